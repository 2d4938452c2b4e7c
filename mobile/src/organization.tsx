import { useQuery } from '@apollo/client/react';
import { MyOrganizationsDocument, type MyOrganizationsQuery } from '@organoise/client';
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';

type Organization = MyOrganizationsQuery['organizations']['nodes'][number];

interface OrganizationContext {
  organizations: Organization[];
  current: Organization | null;
  select(id: string): void;
  loading: boolean;
  error: unknown;
  refetch(): void;
}

const Context = createContext<OrganizationContext | null>(null);

/** The organization the inbox shows: the person's choice, else their first (by name). */
export function OrganizationProvider({ children }: { children: ReactNode }) {
  const { data, loading, error, refetch } = useQuery(MyOrganizationsDocument, { fetchPolicy: 'cache-and-network' });
  const [chosen, setChosen] = useState<string | null>(null);
  const value = useMemo(() => {
    const organizations = data?.organizations.nodes ?? [];
    const current = organizations.find((o) => o.id === chosen) ?? organizations[0] ?? null;
    return { organizations, current, select: setChosen, loading: loading && !data, error: data ? null : error, refetch: () => void refetch() };
  }, [data, loading, error, chosen, refetch]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

/** Who may see an organization's recently deleted files and restore them: the API refuses everyone else. */
export const mayRestoreFiles = (role: string | undefined) => role === 'ADMIN' || role === 'OWNER';

export function useOrganization(): OrganizationContext {
  const value = useContext(Context);
  if (!value) throw new Error('useOrganization outside OrganizationProvider');
  return value;
}

import { useQuery } from '@apollo/client/react';
import { createContext, lazy, Suspense, useContext, useState, type ReactNode } from 'react';
import { MyOrganizationsDocument, type Role } from '@organoise/client';
import { ErrorState, Loading } from '../../ui/states';

// Not on the first screen's path: the form and the switcher (MUI's TextField, Select, Menu) load on their own.
const FirstOrganization = lazy(() => import('./FirstOrganization'));
const LazySwitcher = lazy(() => import('./OrganizationSwitcher'));

export interface CurrentOrganization {
  id: string;
  name: string;
  slug: string;
  viewerRole: Role;
}

interface OrganizationContextValue {
  current: CurrentOrganization;
  all: CurrentOrganization[];
  viewer: { id: string; name: string };
  select(id: string): void;
}

const OrganizationContext = createContext<OrganizationContextValue | null>(null);
// Remembered per browser, so a reload (or the next visit) opens the same organization.
const SELECTED_KEY = 'organoise.organizationId';
/** Opens this organization next (an invitation just accepted). */
export const rememberOrganization = (id: string) => localStorage.setItem(SELECTED_KEY, id);

export function useOrganization(): OrganizationContextValue {
  const value = useContext(OrganizationContext);
  if (!value) throw new Error('useOrganization outside OrganizationProvider');
  return value;
}

/** Roles that may manage definitions (createWorkflowDefinition: owners and admins). */
export const canManage = (role: Role) => role === 'OWNER' || role === 'ADMIN';
/** Roles that may start runs and upload files (members and above). */
export const canContribute = (role: Role) => role !== 'VIEWER';

export function OrganizationProvider({ children }: { children: ReactNode }) {
  const { data, loading, error } = useQuery(MyOrganizationsDocument);
  const [selected, setSelected] = useState(() => localStorage.getItem(SELECTED_KEY));
  if (loading && !data) return <Loading label="Loading your organizations" />;
  if (error && !data) return <ErrorState error={error} />;
  const all = data?.organizations.nodes ?? [];
  const viewer = data?.viewer;
  if (!viewer) return <ErrorState error={error} />;
  if (all.length === 0)
    return (
      <Suspense fallback={<Loading />}>
        <FirstOrganization />
      </Suspense>
    );
  const current = all.find((o) => o.id === selected) ?? all[0]!;
  const select = (id: string) => {
    rememberOrganization(id);
    setSelected(id);
  };
  return <OrganizationContext.Provider value={{ current, all, viewer, select }}>{children}</OrganizationContext.Provider>;
}

/** The organization switcher of the bar: its name alone until the select has loaded. */
export function OrganizationSwitcher() {
  const { current } = useOrganization();
  return (
    <Suspense fallback={<span>{current.name}</span>}>
      <LazySwitcher />
    </Suspense>
  );
}

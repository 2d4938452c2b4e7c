import { useQuery } from '@apollo/client/react';
import { lazy, Suspense, useState, type ReactNode } from 'react';
import { MyOrganizationsDocument } from '@organoise/client';
import { ErrorState, Loading } from '../../ui/states';
import { OrganizationContext, rememberOrganization, SELECTED_KEY } from './current';

export { canContribute, canManage, OrganizationSwitcher, rememberOrganization, useOrganization, type CurrentOrganization } from './current';

// Not on the first screen's path: the form (MUI's TextField) loads on its own.
const FirstOrganization = lazy(() => import('./FirstOrganization'));

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

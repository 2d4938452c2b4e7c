import type { FirstScreenQuery } from '@organoise/client';
import { DashboardView } from '../modules/dashboard/DashboardView';
import { OrganizationContext, SELECTED_KEY } from '../modules/organizations/current';
import { Loading } from '../ui/states';
import { Shell } from './Shell';

const nothing = () => {};

/**
 * The dashboard drawn from the boot script's FirstScreen answer alone, before Apollo Client has
 * loaded (App.tsx): the same bar and counters DashboardPage shows from that answer once the
 * signed-in app takes over, with live updates "Connecting…" until then. The organization is the
 * one OrganizationProvider will open; any other case shows the loading state instead.
 */
export function FirstPaint({ data }: { data: FirstScreenQuery }) {
  const organization = data.organization ?? data.firstOrganization?.nodes[0] ?? null;
  const all = data.organizations.nodes;
  const selected = localStorage.getItem(SELECTED_KEY);
  const current = all.find((o) => o.id === selected) ?? all[0];
  if (!organization || !current || !data.viewer || current.id !== organization.id) return <Loading />;
  const { activity } = organization;
  return (
    <OrganizationContext.Provider value={{ current, all, viewer: data.viewer, select: nothing }}>
      <Shell>
        <DashboardView organizationName={current.name} live="connecting" counts={{ total: activity.eventCount, counts: activity.totals }} activeUsers={activity.activeUsers}>
          <Loading label="Loading the charts" />
        </DashboardView>
      </Shell>
    </OrganizationContext.Provider>
  );
}

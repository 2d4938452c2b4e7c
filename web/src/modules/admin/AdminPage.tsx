import { Stack, Tab, Tabs, Typography } from '@mui/material';
import { navigate } from '../../app/router';
import { NotAllowed } from '../../ui/states';
import { canManage, useOrganization } from '../organizations/context';
import { AllowList } from './AllowList';
import { ApiKeys } from './ApiKeys';
import { AuditLog } from './AuditLog';
import { Invitations } from './Invitations';
import { Members } from './Members';

const TABS = [
  { id: 'members', label: 'Members', Panel: Members },
  { id: 'invitations', label: 'Invitations', Panel: Invitations },
  { id: 'api-keys', label: 'API keys', Panel: ApiKeys },
  { id: 'allow-list', label: 'IP allow-list', Panel: AllowList },
  { id: 'audit-log', label: 'Audit log', Panel: AuditLog },
] as const;

/** The organization's administration, one tab per concern; the tab is in the address (`/admin/<tab>`). */
export default function AdminPage({ tab }: { tab: string | undefined }) {
  const { current } = useOrganization();
  const active = TABS.find((t) => t.id === tab) ?? TABS[0];
  if (!canManage(current.viewerRole)) {
    return (
      <Stack spacing={2}>
        <Typography variant="h4" component="h1">
          Administration
        </Typography>
        <NotAllowed>Only owners and admins of {current.name} manage its members, invitations, API keys, allow-list and audit log. Ask one of them.</NotAllowed>
      </Stack>
    );
  }
  const { Panel } = active;
  return (
    <Stack spacing={2}>
      <Typography variant="h4" component="h1">
        Administration
      </Typography>
      <Tabs value={active.id} onChange={(_, id: string) => navigate(`/admin/${id}`)} variant="scrollable" allowScrollButtonsMobile aria-label="Administration">
        {TABS.map((t) => (
          <Tab key={t.id} value={t.id} label={t.label} id={`admin-tab-${t.id}`} aria-controls="admin-panel" />
        ))}
      </Tabs>
      <div role="tabpanel" id="admin-panel" aria-labelledby={`admin-tab-${active.id}`}>
        <Panel key={current.id} organizationId={current.id} />
      </div>
    </Stack>
  );
}

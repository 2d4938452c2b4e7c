import { useMutation, useQuery } from '@apollo/client/react';
import { Alert, Button, List, ListItem, ListItemText, MenuItem, Stack, TextField, Typography } from '@mui/material';
import { InvitationsDocument, InviteMemberDocument, RevokeInvitationDocument, type InvitationStatus, type Role } from '@organoise/client';
import { useState, type FormEvent } from 'react';
import { ActionError, Empty, ErrorState, Loading } from '../../ui/states';
import { CopyButton } from './CopyButton';

const ROLES: Role[] = ['ADMIN', 'MEMBER', 'VIEWER'];
const STATUSES: InvitationStatus[] = ['PENDING', 'ACCEPTED', 'REVOKED', 'EXPIRED'];

/** The link an invitee opens: it carries the invitation's token, which the API shows only once. */
export const invitationLink = (token: string) => new URL(`/invitations/${encodeURIComponent(token)}`, window.location.href).href;

export function Invitations({ organizationId }: { organizationId: string }) {
  const [status, setStatus] = useState<InvitationStatus>('PENDING');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('MEMBER');
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const { data, loading, error } = useQuery(InvitationsDocument, { variables: { organizationId, status }, fetchPolicy: 'cache-and-network' });
  const [invite, inviting] = useMutation(InviteMemberDocument, { refetchQueries: [InvitationsDocument] });
  const [revoke, revoking] = useMutation(RevokeInvitationDocument, { refetchQueries: [InvitationsDocument] });
  const invitations = data?.organization?.invitations.nodes ?? [];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const result = await invite({ variables: { input: { organizationId, email: email.trim(), role } } });
      const payload = result.data?.inviteMember;
      if (payload) setLink({ email: payload.invitation.email, url: invitationLink(payload.token) });
      setEmail('');
    } catch {
      // shown from inviting.error
    }
  };

  return (
    <Stack spacing={3}>
      <Stack component="form" onSubmit={submit} noValidate spacing={2} aria-label="Invite someone">
        <Typography variant="h6" component="h2">
          Invite someone
        </Typography>
        <ActionError error={inviting.error} />
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
          <TextField label="Email to invite" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required sx={{ flexGrow: 1 }} />
          <TextField select label="Invited role" value={role} onChange={(e) => setRole(e.target.value as Role)} sx={{ minWidth: 140 }}>
            {ROLES.map((r) => (
              <MenuItem key={r} value={r}>
                {r.toLowerCase()}
              </MenuItem>
            ))}
          </TextField>
          <Button type="submit" variant="contained" disabled={inviting.loading || !email.trim()}>
            Invite
          </Button>
        </Stack>
        {link ? (
          <Alert severity="success" data-testid="invitation-link-alert">
            Send this link to {link.email}; it is shown only now. <code data-testid="invitation-link">{link.url}</code> <CopyButton text={link.url} label="Copy invitation link" />
          </Alert>
        ) : null}
      </Stack>
      <Stack spacing={1}>
        <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between', gap: 2, flexWrap: 'wrap' }}>
          <Typography variant="h6" component="h2">
            Invitations
          </Typography>
          <TextField select size="small" label="Status" value={status} onChange={(e) => setStatus(e.target.value as InvitationStatus)} sx={{ minWidth: 140 }}>
            {STATUSES.map((s) => (
              <MenuItem key={s} value={s}>
                {s.toLowerCase()}
              </MenuItem>
            ))}
          </TextField>
        </Stack>
        <ActionError error={revoking.error} />
        {loading && !data ? <Loading label="Loading invitations" /> : null}
        {error && !data ? <ErrorState error={error} /> : null}
        {data && invitations.length === 0 ? <Empty title={`No ${status.toLowerCase()} invitations`} /> : null}
        <List aria-label="Invitations">
          {invitations.map((invitation) => (
            <ListItem
              key={invitation.id}
              divider
              data-testid={`invitation-${invitation.email}`}
              secondaryAction={
                invitation.status === 'PENDING' ? (
                  <Button color="error" aria-label={`Revoke the invitation of ${invitation.email}`} disabled={revoking.loading} onClick={() => void revoke({ variables: { id: invitation.id } }).catch(() => {})}>
                    Revoke
                  </Button>
                ) : null
              }
            >
              <ListItemText
                primary={`${invitation.email} · ${invitation.role.toLowerCase()}`}
                secondary={`${invitation.status.toLowerCase()} · invited ${new Date(invitation.createdAt).toLocaleString()}${invitation.invitedBy ? ` by ${invitation.invitedBy.name}` : ''} · expires ${new Date(invitation.expiresAt).toLocaleDateString()}`}
              />
            </ListItem>
          ))}
        </List>
      </Stack>
    </Stack>
  );
}

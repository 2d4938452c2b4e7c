import { useMutation } from '@apollo/client/react';
import { Button, Chip, List, ListItem, ListItemText, Stack } from '@mui/material';
import { AccountDocument, RevokeSessionDocument, type AccountQuery } from '@organoise/client';
import { useSessionStore } from '../auth/context';
import { ActionError, Empty } from '../../ui/states';

type SessionRow = NonNullable<AccountQuery['viewer']>['sessions']['nodes'][number];

/** Each signed-in browser or device: one can be ended from here, or all of them at once. */
export function Sessions({ sessions }: { sessions: SessionRow[] }) {
  const store = useSessionStore();
  const [revoke, revoking] = useMutation(RevokeSessionDocument, { refetchQueries: [AccountDocument] });
  const open = sessions.filter((s) => !s.revokedAt);
  return (
    <Stack spacing={2}>
      <ActionError error={revoking.error} />
      {open.length === 0 ? <Empty title="No open sessions" /> : null}
      <List aria-label="Sessions">
        {open.map((session) => (
          <ListItem
            key={session.id}
            divider
            data-testid={session.current ? 'session-current' : 'session-other'}
            secondaryAction={
              session.current ? (
                <Chip label="This browser" size="small" />
              ) : (
                <Button color="error" aria-label={`Sign out the session from ${session.userAgent ?? 'an unknown browser'}, last seen ${new Date(session.lastSeenAt).toLocaleString()}`} disabled={revoking.loading} onClick={() => void revoke({ variables: { id: session.id } }).catch(() => {})}>
                  Sign out
                </Button>
              )
            }
          >
            <ListItemText
              primary={describeAgent(session.userAgent)}
              secondary={`${session.ipAddress ?? 'unknown address'} · signed in ${new Date(session.createdAt).toLocaleString()} · last seen ${new Date(session.lastSeenAt).toLocaleString()}`}
              sx={{ pr: 12 }}
            />
          </ListItem>
        ))}
      </List>
      <div>
        <Button variant="outlined" color="error" onClick={() => window.confirm('Sign out on every browser and device, this one included?') && void store.signOut({ everywhere: true })}>
          Sign out everywhere
        </Button>
      </div>
    </Stack>
  );
}

/** A short name for a user agent string ("Chrome on Linux"), or the string itself. */
function describeAgent(agent: string | null | undefined): string {
  if (!agent) return 'Unknown browser or app';
  const browser = /Edg\//.test(agent) ? 'Edge' : /Firefox\//.test(agent) ? 'Firefox' : /Chrom(e|ium)\//.test(agent) ? 'Chrome' : /Safari\//.test(agent) ? 'Safari' : null;
  const system = /Android/.test(agent) ? 'Android' : /iPhone|iPad/.test(agent) ? 'iOS' : /Windows/.test(agent) ? 'Windows' : /Mac OS X/.test(agent) ? 'macOS' : /Linux/.test(agent) ? 'Linux' : null;
  return browser && system ? `${browser} on ${system}` : agent.slice(0, 80);
}

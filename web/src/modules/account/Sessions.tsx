import { useMutation } from '@apollo/client/react';
import Bowser from 'bowser';
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

/**
 * A short name for the session's user agent, as bowser parses it ("Chrome on Linux", "Safari on
 * iOS"), or the string itself (an app's own, such as the phone app's HTTP client). The gateway
 * passes the agent of the request that opened the session; sessions opened before it did have none.
 */
export function describeAgent(agent: string | null | undefined): string {
  if (!agent) return 'Unknown browser or app';
  const { browser, os } = Bowser.parse(agent);
  if (browser.name && os.name) return `${browser.name} on ${os.name}`;
  return agent.slice(0, 80);
}

import { useQuery } from '@apollo/client/react';
import { Divider, Paper, Stack, Typography } from '@mui/material';
import { AccountDocument } from '@organoise/client';
import type { ReactNode } from 'react';
import { ErrorState, Loading } from '../../ui/states';
import { ChangePassword } from './ChangePassword';
import { LinkedLogins } from './LinkedLogins';
import { Sessions } from './Sessions';
import { TwoFactor } from './TwoFactor';

/** The signed-in person's own account: where they are signed in, their second factor, password and linked logins. */
export default function AccountPage() {
  const { data, loading, error } = useQuery(AccountDocument, { fetchPolicy: 'cache-and-network' });
  const viewer = data?.viewer;
  return (
    <Stack spacing={3}>
      <Typography variant="h4" component="h1">
        Account settings
      </Typography>
      {loading && !data ? <Loading label="Loading your account" /> : null}
      {error && !data ? <ErrorState error={error} /> : null}
      {viewer ? (
        <>
          <Typography color="text.secondary">
            {viewer.name} · {viewer.email}
          </Typography>
          <Section title="Where you are signed in">
            <Sessions sessions={viewer.sessions.nodes} />
          </Section>
          <Section title="Two-step verification">
            <TwoFactor enabled={viewer.twoFactorEnabled ?? false} />
          </Section>
          <Section title="Password">
            <ChangePassword />
          </Section>
          <Section title="Linked logins">
            <LinkedLogins identities={viewer.linkedIdentities} />
          </Section>
        </>
      ) : null}
    </Stack>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper variant="outlined" component="section" aria-label={title} sx={{ p: { xs: 2, sm: 3 } }}>
      <Typography variant="h6" component="h2" gutterBottom>
        {title}
      </Typography>
      <Divider sx={{ mb: 2 }} />
      {children}
    </Paper>
  );
}

import { Alert, Button, Stack, TextField, Typography } from '@mui/material';
import { useState, type FormEvent } from 'react';
import { Link, navigate } from '../../app/router';
import { describeError, errorCode } from '@organoise/client';
import { AuthCard } from '../../ui/AuthCard';
import { useSessionStore } from './context';
import { OidcButtons } from './OidcButtons';
import { secondFactorInput } from './second-factor';

const REASONS: Record<string, string> = {
  SESSION_EXPIRED: 'Your session expired. Sign in again.',
  REFRESH_TOKEN_REUSED: 'Your session was ended because it was used from two places. Sign in again.',
  UNAUTHENTICATED: 'Your session has ended. Sign in again.',
};

/**
 * Email and password, then, when the API answers SECOND_FACTOR_REQUIRED, a code (TOTP or recovery);
 * or a configured OpenID Connect provider. `invited`: an invitation link waits for this sign-in.
 */
export default function SignInPage({ reason, invited = false }: { reason?: string | undefined; invited?: boolean }) {
  const session = useSessionStore();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const second = needsCode ? secondFactorInput(code) : {};
      await session.signIn({ email, password, ...second });
      navigate(window.location.pathname === '/sign-in' ? '/' : window.location.pathname, { replace: true });
    } catch (caught) {
      if (errorCode(caught) === 'SECOND_FACTOR_REQUIRED' && !needsCode) setNeedsCode(true);
      else setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title={needsCode ? 'Two-step verification' : 'Sign in to OrgaNoise'}>
      <Stack component="form" spacing={2} onSubmit={submit} noValidate>
        {invited ? <Alert severity="info">You have been invited to an organization. Sign in, or create an account, to accept.</Alert> : null}
        {reason && REASONS[reason] && !error ? <Alert severity="info">{REASONS[reason]}</Alert> : null}
        {error ? <Alert severity="error">{describeError(error).message}</Alert> : null}
        {needsCode ? (
          <>
            <Typography>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</Typography>
            <TextField label="Code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="one-time-code" autoFocus required />
          </>
        ) : (
          <>
            <TextField label="Email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="username" required autoFocus />
            <TextField label="Password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />
          </>
        )}
        <Button type="submit" variant="contained" disabled={busy}>
          {needsCode ? 'Verify' : 'Sign in'}
        </Button>
        {needsCode ? (
          <Button onClick={() => (setNeedsCode(false), setCode(''))}>Back</Button>
        ) : (
          <>
            <Typography variant="body2">
              No account yet? <Link href="/sign-up">Create one</Link>
            </Typography>
            <OidcButtons onError={setError} />
          </>
        )}
      </Stack>
    </AuthCard>
  );
}

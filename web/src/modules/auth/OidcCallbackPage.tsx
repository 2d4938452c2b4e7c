import { Alert, Button, Stack, TextField, Typography } from '@mui/material';
import { describeError, errorCode } from '@organoise/client';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, navigate } from '../../app/router';
import { AuthCard } from '../../ui/AuthCard';
import { Loading } from '../../ui/states';
import { useSessionStore } from './context';
import { callbackInput, takePending } from './oidc';
import { secondFactorInput } from './second-factor';

/**
 * Back from the provider, signed out: the callback's code and state (with this tab's binding)
 * become a session. An account with two factors is asked for a code, sent with the same callback.
 */
export default function OidcCallbackPage() {
  const session = useSessionStore();
  const [input] = useState(() => {
    const pending = takePending('sign-in');
    return pending ? callbackInput(pending) : { error: 'OIDC_STATE_INVALID' };
  });
  const [error, setError] = useState<unknown>('error' in input ? { code: input.error.startsWith('OIDC_') ? input.error : 'OIDC_FAILED' } : null);
  const [needsCode, setNeedsCode] = useState(false);
  const [code, setCode] = useState('');
  const started = useRef(false);

  const complete = async (second: { totpCode?: string; recoveryCode?: string } = {}) => {
    if ('error' in input) return;
    setError(null);
    try {
      await session.completeOidcSignIn({ ...input, ...second });
      navigate('/', { replace: true });
    } catch (caught) {
      if (errorCode(caught) === 'SECOND_FACTOR_REQUIRED') setNeedsCode(true);
      else setError(caught);
    }
  };
  useEffect(() => {
    // Once: the state works once, and React may run effects twice in development.
    if (started.current) return;
    started.current = true;
    void complete();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void complete(secondFactorInput(code));
  };

  if (error) {
    return (
      <AuthCard title="Sign-in did not finish">
        <Stack spacing={2}>
          <Alert severity="error">{describeError(error).message}</Alert>
          <Link href="/sign-in">Back to sign-in</Link>
        </Stack>
      </AuthCard>
    );
  }
  if (needsCode) {
    return (
      <AuthCard title="Two-step verification">
        <Stack component="form" spacing={2} onSubmit={submit} noValidate>
          <Typography>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</Typography>
          <TextField label="Code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="one-time-code" autoFocus required />
          <Button type="submit" variant="contained">
            Verify
          </Button>
        </Stack>
      </AuthCard>
    );
  }
  return <Loading label="Finishing your sign-in" />;
}

import { useMutation } from '@apollo/client/react';
import { Alert, Stack } from '@mui/material';
import { CompleteOidcLinkDocument } from '@organoise/client';
import { useEffect, useRef, useState } from 'react';
import { Link, navigate } from '../../app/router';
import { ActionError, Loading } from '../../ui/states';
import { callbackInput, takePending } from '../auth/oidc';

/** Back from the provider, signed in: links the provider account, then opens the account settings. */
export default function LinkCallbackPage() {
  const [input] = useState(() => {
    const pending = takePending('link');
    return pending ? callbackInput(pending) : { error: 'OIDC_STATE_INVALID' };
  });
  const [complete, completing] = useMutation(CompleteOidcLinkDocument);
  const started = useRef(false);
  useEffect(() => {
    if (started.current || 'error' in input) return;
    started.current = true;
    void complete({ variables: { input } }).then(
      () => navigate('/account', { replace: true }),
      () => {},
    );
  });
  const failure = 'error' in input ? { code: input.error.startsWith('OIDC_') ? input.error : 'OIDC_FAILED' } : completing.error;
  if (!failure) return <Loading label="Linking your account" />;
  return (
    <Stack spacing={2}>
      <ActionError error={failure} />
      <Alert severity="info">
        Nothing was linked. <Link href="/account">Back to your account settings</Link>
      </Alert>
    </Stack>
  );
}

import { useMutation } from '@apollo/client/react';
import { Alert, AlertTitle, Box, Button, Stack, TextField, Typography } from '@mui/material';
import { AccountDocument, ConfirmTotpDocument, DisableTotpDocument, EnrollTotpDocument, errorCode, RegenerateRecoveryCodesDocument, VerifySecondFactorDocument } from '@organoise/client';
import { QRCodeSVG } from 'qrcode.react';
import { useState, type FormEvent } from 'react';
import { ActionError } from '../../ui/states';
import { CopyButton } from '../admin/CopyButton';
import { secondFactorInput } from '../auth/second-factor';


/**
 * Turning two-step verification on (scan the QR code or type the secret, then confirm with a first
 * code: recovery codes are shown once) and, once on, off or new recovery codes, which need the
 * second factor again in this session (STEP_UP_REQUIRED asks for a code, then the action is retried).
 */
export function TwoFactor({ enabled }: { enabled: boolean }) {
  const [enrollment, setEnrollment] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [code, setCode] = useState('');
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [stepUp, setStepUp] = useState<null | 'disable' | 'regenerate'>(null);
  const [enroll, enrolling] = useMutation(EnrollTotpDocument);
  const [confirm, confirming] = useMutation(ConfirmTotpDocument, { refetchQueries: [AccountDocument] });
  const [disable, disabling] = useMutation(DisableTotpDocument, { refetchQueries: [AccountDocument] });
  const [regenerate, regenerating] = useMutation(RegenerateRecoveryCodesDocument);
  const [verify, verifying] = useMutation(VerifySecondFactorDocument);

  const start = async () => {
    setRecoveryCodes(null);
    const result = await enroll().catch(() => null);
    if (result?.data) setEnrollment(result.data.enrollTotp);
  };
  const submitConfirm = async (event: FormEvent) => {
    event.preventDefault();
    const result = await confirm({ variables: { code: code.replace(/\s+/g, '') } }).catch(() => null);
    if (result?.data) {
      setRecoveryCodes(result.data.confirmTotp.recoveryCodes);
      setEnrollment(null);
      setCode('');
    }
  };
  // Runs the action; when it needs a recent second factor, asks for one and runs it again after.
  const run = async (action: 'disable' | 'regenerate') => {
    try {
      if (action === 'disable') {
        await disable();
        setRecoveryCodes(null);
      } else {
        const result = await regenerate();
        if (result.data) setRecoveryCodes(result.data.regenerateRecoveryCodes);
      }
      setStepUp(null);
    } catch (error) {
      if (errorCode(error) === 'STEP_UP_REQUIRED') setStepUp(action);
    }
  };
  const submitStepUp = async (event: FormEvent) => {
    event.preventDefault();
    const done = await verify({ variables: { input: secondFactorInput(code) } }).catch(() => null);
    setCode('');
    if (done?.data && stepUp) await run(stepUp);
  };

  return (
    <Stack spacing={2}>
      {recoveryCodes ? (
        <Alert severity="warning" data-testid="recovery-codes">
          <AlertTitle>Your recovery codes</AlertTitle>
          Keep them somewhere safe: each signs you in once without your authenticator, and they are not shown again.
          <Box component="ul" sx={{ fontFamily: 'monospace', columns: { xs: 1, sm: 2 }, pl: 2 }}>
            {recoveryCodes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </Box>
          <CopyButton text={recoveryCodes.join('\n')} label="Copy the recovery codes" />
        </Alert>
      ) : null}
      <Typography data-testid="two-factor-status">{enabled ? 'On: signing in asks for a code from your authenticator app.' : 'Off: signing in needs only your password.'}</Typography>
      <ActionError error={enrolling.error ?? confirming.error ?? (disabling.error && errorCode(disabling.error) !== 'STEP_UP_REQUIRED' ? disabling.error : null) ?? (regenerating.error && errorCode(regenerating.error) !== 'STEP_UP_REQUIRED' ? regenerating.error : null) ?? verifying.error} />
      {!enabled && !enrollment ? (
        <div>
          <Button variant="contained" onClick={() => void start()} disabled={enrolling.loading}>
            Turn on two-step verification
          </Button>
        </div>
      ) : null}
      {enrollment ? (
        <Stack component="form" onSubmit={submitConfirm} noValidate spacing={2} aria-label="Confirm two-step verification">
          <Typography>Scan this code with an authenticator app, or type the secret into it, then enter the 6-digit code it shows.</Typography>
          <Box sx={{ bgcolor: 'common.white', p: 1, alignSelf: 'flex-start', lineHeight: 0 }}>
            <QRCodeSVG value={enrollment.otpauthUri} size={176} title="QR code for your authenticator app" />
          </Box>
          <Typography sx={{ fontFamily: 'monospace', wordBreak: 'break-all' }}>
            Secret: <span data-testid="totp-secret">{enrollment.secret}</span>
          </Typography>
          <TextField label="Code from the app" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="one-time-code" inputMode="numeric" required />
          <Stack direction="row" spacing={1}>
            <Button type="submit" variant="contained" disabled={confirming.loading || !code.trim()}>
              Confirm
            </Button>
            <Button onClick={() => (setEnrollment(null), setCode(''))}>Cancel</Button>
          </Stack>
        </Stack>
      ) : null}
      {enabled && !stepUp ? (
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1}>
          <Button variant="outlined" onClick={() => void run('regenerate')} disabled={regenerating.loading}>
            New recovery codes
          </Button>
          <Button variant="outlined" color="error" onClick={() => window.confirm('Turn two-step verification off?') && void run('disable')} disabled={disabling.loading}>
            Turn off two-step verification
          </Button>
        </Stack>
      ) : null}
      {stepUp ? (
        <Stack component="form" onSubmit={submitStepUp} noValidate spacing={2} aria-label="Confirm it is you">
          <Alert severity="info">Confirm it is you: enter a code from your authenticator app, or a recovery code.</Alert>
          <TextField label="Code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="one-time-code" required />
          <Stack direction="row" spacing={1}>
            <Button type="submit" variant="contained" disabled={verifying.loading || !code.trim()}>
              Confirm
            </Button>
            <Button onClick={() => (setStepUp(null), setCode(''))}>Cancel</Button>
          </Stack>
        </Stack>
      ) : null}
    </Stack>
  );
}

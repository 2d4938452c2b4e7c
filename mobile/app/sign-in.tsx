import { errorCode } from '@organoise/client';
import { useState } from 'react';
import { KeyboardAvoidingView, Platform, View } from 'react-native';
import { useSession } from '../src/session';
import { Body, Button, ErrorBanner, Field, Screen, Title } from '../src/ui';

const REASONS: Record<string, string> = {
  SESSION_EXPIRED: 'Your session expired. Sign in again.',
  REFRESH_TOKEN_REUSED: 'Your session was ended because it was used from two places. Sign in again.',
  UNAUTHENTICATED: 'Your session has ended. Sign in again.',
  NETWORK_ERROR: 'The service could not be reached to resume your session. Sign in when you are back online.',
};

/** Email and password, then, when the API answers SECOND_FACTOR_REQUIRED, a code (TOTP or recovery). */
export default function SignInScreen() {
  const { session, state } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const reason = state.status === 'signed-out' ? state.reason : undefined;

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const trimmed = code.replace(/\s+/g, '');
      // Six digits are an authenticator code; anything else is one of the recovery codes.
      const second = needsCode ? (/^\d{6}$/.test(trimmed) ? { totpCode: trimmed } : { recoveryCode: code.trim() }) : {};
      await session.signIn({ email: email.trim(), password, ...second });
    } catch (caught) {
      if (errorCode(caught) === 'SECOND_FACTOR_REQUIRED' && !needsCode) setNeedsCode(true);
      else setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <KeyboardAvoidingView behavior={Platform.OS === 'ios' ? 'padding' : undefined} style={{ flex: 1 }}>
      <Screen>
        <View style={{ flex: 1, justifyContent: 'center', gap: 14, maxWidth: 420, width: '100%', alignSelf: 'center' }}>
          <Title>{needsCode ? 'Two-step verification' : 'Sign in to OrgaNoise'}</Title>
          {reason && REASONS[reason] && !error ? <Body muted>{REASONS[reason]}</Body> : null}
          {error ? <ErrorBanner error={error} /> : null}
          {needsCode ? (
            <>
              <Body>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</Body>
              <Field label="Code" value={code} onChangeText={setCode} autoComplete="one-time-code" textContentType="oneTimeCode" autoCapitalize="none" autoFocus onSubmitEditing={() => void submit()} />
            </>
          ) : (
            <>
              <Field label="Email" value={email} onChangeText={setEmail} autoComplete="email" textContentType="username" keyboardType="email-address" autoCapitalize="none" inputMode="email" />
              <Field label="Password" value={password} onChangeText={setPassword} autoComplete="current-password" textContentType="password" secureTextEntry onSubmitEditing={() => void submit()} />
            </>
          )}
          <Button title={needsCode ? 'Verify' : 'Sign in'} onPress={() => void submit()} disabled={busy || (needsCode ? !code.trim() : !email || !password)} />
          {needsCode ? <Button kind="plain" title="Back" onPress={() => (setNeedsCode(false), setCode(''))} /> : null}
        </View>
      </Screen>
    </KeyboardAvoidingView>
  );
}

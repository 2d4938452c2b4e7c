import { Button, Divider, Stack } from '@mui/material';
import { useEffect, useState } from 'react';
import { useSessionStore } from './context';
import { goToProvider, redirectUriFor } from './oidc';

/** One button per configured provider (the `oidcProviders` query); nothing when none is configured. */
export function OidcButtons({ onError }: { onError(error: unknown): void }) {
  const session = useSessionStore();
  const [providers, setProviders] = useState<{ id: string; name: string }[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    // Offline or failing, the buttons are simply absent: the password form still works.
    session.oidcProviders().then((list) => live && setProviders(list), () => {});
    return () => void (live = false);
  }, [session]);
  if (providers.length === 0) return null;
  const begin = async (provider: string) => {
    setBusy(provider);
    try {
      const redirectUri = redirectUriFor(provider);
      const { authorizationUrl, binding } = await session.beginOidcSignIn(provider, redirectUri);
      goToProvider({ mode: 'sign-in', provider, binding, redirectUri }, authorizationUrl);
    } catch (error) {
      onError(error);
      setBusy(null);
    }
  };
  return (
    <Stack spacing={1} aria-label="Sign in with a provider" role="group">
      <Divider>or</Divider>
      {providers.map((provider) => (
        <Button key={provider.id} variant="outlined" onClick={() => void begin(provider.id)} disabled={busy !== null}>
          Sign in with {provider.name}
        </Button>
      ))}
    </Stack>
  );
}

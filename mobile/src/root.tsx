import { Stack } from 'expo-router';
import { StatusBar } from 'expo-status-bar';
import { SafeAreaProvider } from 'react-native-safe-area-context';
import { OrganizationProvider } from './organization';
import { SessionProvider, useSession, type SessionProviderProps } from './session';
import { Loading, useTheme } from './ui';

/** The whole app around expo-router's stack (app/_layout.tsx); tests render it with their own network and storage. */
export function AppRoot(props: Omit<SessionProviderProps, 'children'>) {
  return (
    <SafeAreaProvider>
      <SessionProvider {...props}>
        <Navigation />
      </SessionProvider>
    </SafeAreaProvider>
  );
}

/** Signed out, only the sign-in screen exists; signed in, everything but it (expo-router guards). */
function Navigation() {
  const { state, api } = useSession();
  const theme = useTheme();
  // Until the session is known and its client made, no route is chosen: a guard deciding early
  // would send an opened link (or a reload) to the sign-in screen and then to the inbox.
  if (state.status === 'restoring' || (state.status === 'signed-in' && api === null)) return <Loading label="Signing you in" />;
  const signedIn = state.status === 'signed-in';
  const stack = (
    <>
      <StatusBar style={theme.dark ? 'light' : 'dark'} />
      <Stack screenOptions={{ headerStyle: { backgroundColor: theme.card }, headerTintColor: theme.text, contentStyle: { backgroundColor: theme.background } }}>
        <Stack.Protected guard={signedIn}>
          <Stack.Screen name="index" options={{ title: 'Inbox' }} />
          <Stack.Screen name="tasks/[id]" options={{ title: 'Task' }} />
          <Stack.Screen name="runs/[id]" options={{ title: 'Run' }} />
          <Stack.Screen name="organizations" options={{ title: 'Organizations' }} />
          <Stack.Screen name="deleted-files" options={{ title: 'Recently deleted' }} />
        </Stack.Protected>
        <Stack.Protected guard={!signedIn}>
          <Stack.Screen name="sign-in" options={{ headerShown: false }} />
        </Stack.Protected>
      </Stack>
    </>
  );
  return signedIn ? <OrganizationProvider>{stack}</OrganizationProvider> : stack;
}

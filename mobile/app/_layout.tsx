import { Stack } from 'expo-router';
import { StatusBar } from 'expo-status-bar';
import { SafeAreaProvider } from 'react-native-safe-area-context';
import { OrganizationProvider } from '../src/organization';
import { SessionProvider, useSession } from '../src/session';
import { Loading, useTheme } from '../src/ui';

export default function RootLayout() {
  return (
    <SafeAreaProvider>
      <SessionProvider>
        <Navigation />
      </SessionProvider>
    </SafeAreaProvider>
  );
}

/** Signed out, only the sign-in screen exists; signed in, everything but it (expo-router guards). */
function Navigation() {
  const { state, api } = useSession();
  const theme = useTheme();
  if (state.status === 'restoring') return <Loading label="Signing you in" />;
  const signedIn = state.status === 'signed-in' && api !== null;
  const stack = (
    <>
      <StatusBar style={theme.dark ? 'light' : 'dark'} />
      <Stack screenOptions={{ headerStyle: { backgroundColor: theme.card }, headerTintColor: theme.text, contentStyle: { backgroundColor: theme.background } }}>
        <Stack.Protected guard={signedIn}>
          <Stack.Screen name="index" options={{ title: 'Inbox' }} />
          <Stack.Screen name="tasks/[id]" options={{ title: 'Task' }} />
          <Stack.Screen name="runs/[id]" options={{ title: 'Run' }} />
          <Stack.Screen name="organizations" options={{ title: 'Organizations' }} />
        </Stack.Protected>
        <Stack.Protected guard={!signedIn}>
          <Stack.Screen name="sign-in" options={{ headerShown: false }} />
        </Stack.Protected>
      </Stack>
    </>
  );
  return signedIn ? <OrganizationProvider>{stack}</OrganizationProvider> : stack;
}

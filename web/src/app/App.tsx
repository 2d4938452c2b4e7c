import { CssBaseline, ThemeProvider, createTheme } from '@mui/material';
import { Suspense, lazy, useEffect, useState } from 'react';
import { setErrorWording, WEB_WORDING, type FirstScreenQuery } from '@organoise/client';
import { SessionContext, useSession } from '../modules/auth/context';
import { INVITATION_PATTERN, pendingInvitationPath, rememberInvitation } from '../modules/invitations/pending';
import { Loading } from '../ui/states';
import { firstScreenAnswer, firstScreenSent, settledFirstScreen } from './boot';
import { FirstPaint } from './FirstPaint';
import { match, usePath } from './router';
import { firstScreen, OidcCallbackPage, preloadScreen, screen, SignInPage, SignUpPage, signedOutScreenOf } from './screens';
import { session } from './session';

// People who ask their system for less motion get none: no transitions, no ripples.
const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
const theme = createTheme({
  palette: { primary: { main: '#3949ab' } },
  ...(reducedMotion ? { transitions: { create: () => 'none' }, components: { MuiButtonBase: { defaultProps: { disableRipple: true } } } } : {}),
});
setErrorWording(WEB_WORDING);

/**
 * Apollo Client, graphql-ws and every signed-in screen: a chunk of their own (~50 KB brotli), not
 * before the first paint. It comes with the first screen's module, so that screen renders directly.
 */
const SignedInApp = lazy(() => Promise.all([import('./SignedInApp'), firstScreen ? preloadScreen(firstScreen) : null]).then(([module]) => module));

export function App() {
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <SessionContext.Provider value={session}>
        <Suspense fallback={<Loading />}>
          <Root />
        </Suspense>
      </SessionContext.Provider>
    </ThemeProvider>
  );
}

function Root() {
  const state = useSession();
  const path = usePath();
  if (state.status === 'restoring') return <Loading label="Signing you in" />;
  if (state.status === 'signed-out') {
    // An invitation link waits in this tab while its invitee signs in or creates an account.
    const invitation = match(INVITATION_PATTERN, path);
    if (invitation) rememberInvitation(invitation.token!);
    const shown = signedOutScreenOf(path);
    if (shown === 'signUp') return <SignUpPage />;
    if (shown === 'oidcCallback') return <OidcCallbackPage />;
    const SignIn = screen('signIn', SignInPage);
    return <SignIn reason={state.reason} invited={Boolean(invitation ?? pendingInvitationPath())} />;
  }
  return <SignedIn userId={state.user.id} />;
}

/**
 * On the dashboard's path with the boot script's first screen, that answer is drawn at once
 * (FirstPaint, no Apollo Client), and the signed-in app loads after it and takes over; otherwise
 * the signed-in app loads at once.
 */
function SignedIn({ userId }: { userId: string }) {
  const path = usePath();
  // undefined: the answer is awaited; null: no first paint.
  const [answer, setAnswer] = useState<FirstScreenQuery | null | undefined>(() => (path === '/' && firstScreenSent() ? settledFirstScreen() : null));
  useEffect(() => {
    if (answer === undefined) void firstScreenAnswer().then(setAnswer);
  }, [answer]);
  if (answer === undefined) return <Loading />;
  const fallback = answer ? <FirstPaint data={answer} /> : <Loading />;
  return (
    <Suspense fallback={fallback}>
      <SignedInApp userId={userId} fallback={fallback} />
    </Suspense>
  );
}

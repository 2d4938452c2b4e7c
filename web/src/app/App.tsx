import { ApolloProvider } from '@apollo/client/react';
import { CssBaseline, ThemeProvider, createTheme } from '@mui/material';
import { Suspense, lazy, useEffect, useState, type ComponentType, type ReactNode } from 'react';
import { createApi, REFRESH_KEY, Session, setErrorWording, WEB_WORDING, type Api } from '@organoise/client';
import { SessionContext, useSession } from '../modules/auth/context';
import { browserTokenStore } from '../modules/auth/storage';
import { CALLBACK_PATTERN, pendingMode } from '../modules/auth/oidc';
import { INVITATION_PATTERN, pendingInvitationPath, rememberInvitation } from '../modules/invitations/pending';
import { OrganizationProvider } from '../modules/organizations/context';
import { ErrorState, Loading } from '../ui/states';
import { ApiContext } from './api-context';
import { takeBootRefresh, takeFirstScreen } from './boot';
import { match, navigate, usePath } from './router';
import { Shell } from './Shell';

// Each screen is its own chunk: signing in does not download the workflow editor.
const screens = {
  signIn: () => import('../modules/auth/SignInPage'),
  signUp: () => import('../modules/auth/SignUpPage'),
  dashboard: () => import('../modules/dashboard/DashboardPage'),
  workflows: () => import('../modules/workflows/WorkflowsPage'),
  definition: () => import('../modules/workflows/DefinitionPage'),
  run: () => import('../modules/workflows/RunPage'),
  files: () => import('../modules/files/FilesPage'),
  tasks: () => import('../modules/tasks/TasksPage'),
  runs: () => import('../modules/workflows/RunsPage'),
  admin: () => import('../modules/admin/AdminPage'),
  account: () => import('../modules/account/AccountPage'),
  linkCallback: () => import('../modules/account/LinkCallbackPage'),
  oidcCallback: () => import('../modules/auth/OidcCallbackPage'),
  invitation: () => import('../modules/invitations/AcceptInvitationPage'),
};
const SignInPage = lazy(screens.signIn);
const SignUpPage = lazy(screens.signUp);
const DashboardPage = lazy(screens.dashboard);
const WorkflowsPage = lazy(screens.workflows);
const DefinitionPage = lazy(screens.definition);
const RunPage = lazy(screens.run);
const FilesPage = lazy(screens.files);
const TasksPage = lazy(screens.tasks);
const RunsPage = lazy(screens.runs);
const AdminPage = lazy(screens.admin);
const AccountPage = lazy(screens.account);
const LinkCallbackPage = lazy(screens.linkCallback);
const OidcCallbackPage = lazy(screens.oidcCallback);
const AcceptInvitationPage = lazy(screens.invitation);

/** The screen a path opens for a signed-in person (route() renders it). */
function screenOf(path: string): keyof typeof screens | null {
  if (path === '/' || path === '/sign-in' || path === '/sign-up') return 'dashboard';
  if (path === '/workflows') return 'workflows';
  if (path === '/files') return 'files';
  if (path === '/tasks') return 'tasks';
  if (path === '/runs') return 'runs';
  if (path === '/account') return 'account';
  if (path === '/admin' || match('/admin/:tab', path)) return 'admin';
  if (match(INVITATION_PATTERN, path)) return 'invitation';
  // Back from a provider: a link of this person's account (a sign-in callback finished signed out).
  if (match(CALLBACK_PATTERN, path)) return pendingMode() === 'link' ? 'linkCallback' : 'dashboard';
  if (match('/workflows/:id', path)) return 'definition';
  if (match('/runs/:id', path)) return 'run';
  return null;
}

// The first screen's chunk is fetched now, beside the session's refresh and the organizations'
// read, instead of after them: on a slow network that is a round trip and a download off the
// first screen (npm run bench:web). A tab with a refresh token opens signed in.
const opening = window.location.pathname;
const firstScreen = sessionStorage.getItem(REFRESH_KEY) ? screenOf(opening) : signedOutScreenOf(opening);
/**
 * The screens whose module has arrived, rendered as they are instead of through their lazy
 * wrapper: a lazy component suspends on its first render even when its module is loaded, and
 * React then holds the content back behind the fallback for up to 300 ms (its throttle of
 * Suspense reveals), which the first screen would pay on every load (npm run bench:web).
 */
const loaded: Partial<Record<keyof typeof screens, ComponentType<never>>> = {};
if (firstScreen) void screens[firstScreen]().then((module) => void (loaded[firstScreen] = module.default as ComponentType<never>));
const chosen = new Map<keyof typeof screens, ComponentType<never>>();
/**
 * The screen's component: its module if it has arrived when first shown, else its lazy wrapper
 * (under a Suspense boundary). Chosen once: a component whose type changed between renders would
 * be mounted afresh, losing what was typed into it.
 */
function screen<P>(name: keyof typeof screens, wrapper: ComponentType<P>): ComponentType<P> {
  if (!chosen.has(name)) chosen.set(name, loaded[name] ?? (wrapper as ComponentType<never>));
  return chosen.get(name) as ComponentType<P>;
}

// People who ask their system for less motion get none: no transitions, no ripples.
const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
const theme = createTheme({
  palette: { primary: { main: '#3949ab' } },
  ...(reducedMotion ? { transitions: { create: () => 'none' }, components: { MuiButtonBase: { defaultProps: { disableRipple: true } } } } : {}),
});
setErrorWording(WEB_WORDING);
// The app is served by the gateway itself: the API is on this origin.
const API_URL = new URL('/graphql', window.location.href).href;
// Persisted operations (docs/decisions/0010): the built app sends only hashes; only the
// development server (`npm run dev`) falls back to text for an operation the gateway does not list yet.
const SEND_TEXT = import.meta.env.DEV;
const session = new Session({ url: API_URL, store: browserTokenStore(), sendText: SEND_TEXT });
// The refresh may be on its way already: the page's boot script sent it (./boot.ts).
void session.restore(takeBootRefresh());

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

/** The screen a path opens for a person not signed in. */
function signedOutScreenOf(path: string): 'signIn' | 'signUp' | 'oidcCallback' {
  if (path === '/sign-up') return 'signUp';
  if (match(CALLBACK_PATTERN, path) && pendingMode() === 'sign-in') return 'oidcCallback';
  return 'signIn';
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

function SignedIn({ userId }: { userId: string }) {
  const path = usePath();
  // A new user, a new client: an empty cache and a socket authenticated as them.
  const [api, setApi] = useState<Api | null>(null);
  useEffect(() => {
    const created = createApi({ url: API_URL, session, sendText: SEND_TEXT });
    // The browser says it is offline while the socket may still look open: end it at once, and
    // the live views resume from their cursors when the network is back.
    window.addEventListener('offline', created.dropSocket);
    // The first screen's data the boot script read, if any, goes into the cache before anything renders.
    let current = true;
    void takeFirstScreen(created.client).finally(() => current && setApi(created));
    return () => {
      current = false;
      window.removeEventListener('offline', created.dropSocket);
      created.dispose();
    };
  }, [userId]);
  useEffect(() => {
    // Signed in (or up) from an invitation link: back to it, to accept.
    const invitation = pendingInvitationPath();
    if (invitation && !match(INVITATION_PATTERN, path)) navigate(invitation, { replace: true });
    else if (path === '/sign-in' || path === '/sign-up') navigate('/', { replace: true });
  }, [path]);
  if (!api) return <Loading />;
  const invitation = match(INVITATION_PATTERN, path);
  if (invitation) {
    // Outside the organization shell: an invitee may belong to no organization yet.
    return (
      <ApiContext.Provider value={api}>
        <ApolloProvider client={api.client}>
          <Suspense fallback={<Loading />}>
            <AcceptInvitationPage key={invitation.token} token={invitation.token!} />
          </Suspense>
        </ApolloProvider>
      </ApiContext.Provider>
    );
  }
  return (
    <ApiContext.Provider value={api}>
      <ApolloProvider client={api.client}>
        <OrganizationProvider>
          <Shell>
            <Suspense fallback={<Loading />}>{route(path)}</Suspense>
          </Shell>
        </OrganizationProvider>
      </ApolloProvider>
    </ApiContext.Provider>
  );
}

function route(path: string): ReactNode {
  switch (screenOf(path)) {
    case 'dashboard': {
      const Dashboard = screen('dashboard', DashboardPage);
      return <Dashboard />;
    }
    case 'workflows':
      return <WorkflowsPage />;
    case 'files':
      return <FilesPage />;
    case 'tasks':
      return <TasksPage />;
    case 'runs':
      return <RunsPage />;
    case 'account':
      return <AccountPage />;
    case 'admin':
      return <AdminPage tab={match('/admin/:tab', path)?.tab} />;
    case 'linkCallback':
      return <LinkCallbackPage />;
    case 'definition': {
      const { id } = match('/workflows/:id', path)!;
      return <DefinitionPage key={id} id={id!} />;
    }
    case 'run': {
      const { id } = match('/runs/:id', path)!;
      return <RunPage key={id} id={id!} />;
    }
    default:
      return <ErrorState error={{ code: 'NOT_FOUND' }} />;
  }
}

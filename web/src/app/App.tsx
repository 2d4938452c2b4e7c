import { ApolloProvider } from '@apollo/client/react';
import { CssBaseline, ThemeProvider, createTheme } from '@mui/material';
import { Suspense, lazy, useEffect, useState, type ReactNode } from 'react';
import { createApi, Session, setErrorWording, WEB_WORDING, type Api } from '@organoise/client';
import { SessionContext, useSession } from '../modules/auth/context';
import { browserTokenStore } from '../modules/auth/storage';
import { OrganizationProvider } from '../modules/organizations/context';
import { ErrorState, Loading } from '../ui/states';
import { ApiContext } from './api-context';
import { match, navigate, usePath } from './router';
import { Shell } from './Shell';

// Each screen is its own chunk: signing in does not download the workflow editor.
const SignInPage = lazy(() => import('../modules/auth/SignInPage'));
const SignUpPage = lazy(() => import('../modules/auth/SignUpPage'));
const DashboardPage = lazy(() => import('../modules/dashboard/DashboardPage'));
const WorkflowsPage = lazy(() => import('../modules/workflows/WorkflowsPage'));
const DefinitionPage = lazy(() => import('../modules/workflows/DefinitionPage'));
const RunPage = lazy(() => import('../modules/workflows/RunPage'));
const FilesPage = lazy(() => import('../modules/files/FilesPage'));
const TasksPage = lazy(() => import('../modules/tasks/TasksPage'));

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
void session.restore();

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
    if (path === '/sign-up') return <SignUpPage />;
    return <SignInPage reason={state.reason} />;
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
    setApi(created);
    return () => {
      window.removeEventListener('offline', created.dropSocket);
      created.dispose();
    };
  }, [userId]);
  useEffect(() => {
    if (path === '/sign-in' || path === '/sign-up') navigate('/', { replace: true });
  }, [path]);
  if (!api) return <Loading />;
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
  if (path === '/' || path === '/sign-in' || path === '/sign-up') return <DashboardPage />;
  if (path === '/workflows') return <WorkflowsPage />;
  if (path === '/files') return <FilesPage />;
  if (path === '/tasks') return <TasksPage />;
  const definition = match('/workflows/:id', path);
  if (definition) return <DefinitionPage key={definition.id} id={definition.id!} />;
  const run = match('/runs/:id', path);
  if (run) return <RunPage key={run.id} id={run.id!} />;
  return <ErrorState error={{ code: 'NOT_FOUND' }} />;
}

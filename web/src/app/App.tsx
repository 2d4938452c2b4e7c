import { ApolloProvider } from '@apollo/client/react';
import { CssBaseline, ThemeProvider, createTheme } from '@mui/material';
import { Suspense, lazy, useEffect, useState, type ReactNode } from 'react';
import { SessionContext, useSession } from '../modules/auth/context';
import { SessionStore } from '../modules/auth/session';
import { OrganizationProvider } from '../modules/organizations/context';
import { ErrorState, Loading } from '../ui/states';
import { ApiContext } from './api-context';
import { createApi, type Api } from './apollo';
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
const session = new SessionStore();
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
    const created = createApi(session);
    setApi(created);
    return () => created.dispose();
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

import { ApolloProvider } from '@apollo/client/react';
import { useEffect, useState, Suspense, type ReactNode } from 'react';
import { createApi, type Api } from '@organoise/client';
import { INVITATION_PATTERN, pendingInvitationPath } from '../modules/invitations/pending';
import { OrganizationProvider } from '../modules/organizations/context';
import { ErrorState, Loading } from '../ui/states';
import { ApiContext } from './api-context';
import { takeFirstScreen } from './boot';
import { match, navigate, usePath } from './router';
import { AcceptInvitationPage, AccountPage, AdminPage, DashboardPage, DefinitionPage, FilesPage, LinkCallbackPage, RunPage, RunsPage, screen, screenOf, SearchPage, TasksPage, WorkflowsPage } from './screens';
import { Shell } from './Shell';
import { API_URL, SEND_TEXT, session } from './session';

/**
 * The app of a signed-in person: Apollo Client (HTTP and graphql-ws) and every screen. Its own
 * chunk, loaded after the first paint (App.tsx): the dashboard's first screen is drawn from the
 * boot script's answer without it. `fallback` shows until the client has its first screen's data.
 */
export default function SignedInApp({ userId, fallback }: { userId: string; fallback: ReactNode }) {
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
  if (!api) return fallback;
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
    case 'search':
      return <SearchPage />;
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

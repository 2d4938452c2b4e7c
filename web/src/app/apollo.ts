import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, ServerError } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { Kind, OperationTypeNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import type { SessionStore } from '../modules/auth/session';
import { persistedHash, SEND_TEXT } from './persisted';

export interface Api {
  client: ApolloClient;
  ws: Client;
  /** Whether the socket is open now (graphql-ws reports only the transitions). */
  wsConnected(): boolean;
  dispose(): void;
}

/**
 * One client per signed-in user: a new user gets an empty cache and a new socket, so nothing one
 * person read is ever shown to the next on the same browser.
 */
export function createApi(session: SessionStore): Api {
  // The app is served by the gateway itself: the API is on this origin.
  const url = new URL('/graphql', window.location.href);
  const ws = createClient({
    url: url.href.replace(/^http/, 'ws'),
    lazy: true,
    // Reconnecting is the live hooks' job (modules/live): they resubscribe from their last cursor,
    // which graphql-ws's own retry (the first subscribe message again) would not do.
    retryAttempts: 0,
    keepAlive: 10_000,
    // Asked on every connect, so a reconnect carries a fresh token.
    connectionParams: async () => {
      const token = await session.getAccessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
  });
  let connected = false;
  let pongTimeout: ReturnType<typeof setTimeout> | undefined;
  ws.on('connected', () => (connected = true));
  ws.on('closed', () => {
    connected = false;
    clearTimeout(pongTimeout);
  });
  // A socket can die silently (a laptop sleeps, a NAT forgets it, the browser goes offline while
  // the socket still looks open): a ping without a pong in 5 s, or the browser saying it is
  // offline, ends it at once, and the live hooks resume from their cursors when they can.
  ws.on('ping', (received) => {
    if (received) return;
    clearTimeout(pongTimeout);
    pongTimeout = setTimeout(() => ws.terminate(), 5_000);
  });
  ws.on('pong', (received) => {
    if (received) clearTimeout(pongTimeout);
  });
  const offline = () => ws.terminate();
  window.addEventListener('offline', offline);
  const auth = new SetContextLink(async (previous) => {
    const token = await session.getAccessToken();
    return token ? { headers: { ...previous.headers, authorization: `Bearer ${token}` } } : {};
  });
  const expired = new ErrorLink(({ error }) => {
    // A token the gateway refuses outright (revoked session) is answered 401 before anything runs.
    if (ServerError.is(error) && error.statusCode === 401) session.expire('UNAUTHENTICATED');
  });
  // Every operation names its persisted hash (app/persisted.ts) over HTTP and graphql-ws alike.
  // The built app never falls back to text: a hash the gateway does not list is an error to see,
  // not a reason to send what an enforcing gateway refuses. The development server does fall back
  // (and then sends text alone: Apollo Server refuses a text whose sha256 is not the hash sent).
  const persisted = new PersistedQueryLink({
    generateHash: persistedHash,
    disable: ({ meta }) => SEND_TEXT && (meta.persistedQueryNotFound || meta.persistedQueryNotSupported),
    retry: ({ meta }) => SEND_TEXT && (meta.persistedQueryNotFound || meta.persistedQueryNotSupported),
  });
  const http = ApolloLink.from([auth, expired, new HttpLink({ uri: url.pathname })]);
  // graphql-ws requires a query string: with a hash, the gateway takes an empty one to mean "run
  // the listed text" (gateway/src/subscriptions/transports.ts, prepare). GraphQLWsLink always
  // prints the document, so the payload is emptied here.
  const hashedWs: Client = {
    ...ws,
    subscribe: (payload, sink) => ws.subscribe(!SEND_TEXT && payload.extensions?.persistedQuery ? { ...payload, query: '' } : payload, sink),
  };
  const link = ApolloLink.from([
    persisted,
    ApolloLink.split(
      ({ query }) => {
        const definition = getMainDefinition(query);
        return definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION;
      },
      new GraphQLWsLink(hashedWs),
      http,
    ),
  ]);
  const client = new ApolloClient({
    link,
    cache: new InMemoryCache({
      typePolicies: {
        // Lists are read whole and refetched after a change; incoming pages replace the old ones.
        WorkflowRun: { fields: { history: { merge: false }, availableTransitions: { merge: false } } },
      },
    }),
  });
  return {
    client,
    ws,
    wsConnected: () => connected,
    dispose: () => {
      window.removeEventListener('offline', offline);
      clearTimeout(pongTimeout);
      client.stop();
      void Promise.resolve(ws.dispose()).catch(() => {});
    },
  };
}

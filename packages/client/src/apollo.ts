import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, ServerError } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { Kind, OperationTypeNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { persistedHash } from './persisted';
import type { Session } from './session';

export interface Api {
  client: ApolloClient;
  ws: Client;
  /** Whether the socket is open now (graphql-ws reports only the transitions). */
  wsConnected(): boolean;
  /** Ends the socket at once (the device went offline): live views resume from their cursors. */
  dropSocket(): void;
  dispose(): void;
}

export interface ApiOptions {
  /** The gateway's GraphQL endpoint over HTTP(S). */
  url: string;
  session: Session;
  /** Injected where there is no global WebSocket (tests on Node). */
  webSocketImpl?: unknown;
  /**
   * Fall back to an operation's text when the gateway does not list its hash. Only for a
   * development server (the web app's `npm run dev`), where an operation edited since the gateway
   * loaded its list is not listed yet; a built app never sends text.
   */
  sendText?: boolean;
}

/** The cache both the app and the tests use: lists are replaced whole, never merged by position. */
export function createCache(): InMemoryCache {
  return new InMemoryCache({
    typePolicies: {
      WorkflowRun: { fields: { history: { merge: false }, availableTransitions: { merge: false } } },
    },
  });
}

/**
 * One client per signed-in person: a new person gets an empty cache and a new socket, so nothing
 * one read is ever shown to the next on the same phone or browser. Queries and mutations over HTTP,
 * subscriptions over graphql-ws. The same for the web app and the phone.
 */
export function createApi({ url, session, webSocketImpl, sendText = false }: ApiOptions): Api {
  const ws = createClient({
    url: url.replace(/^http/, 'ws'),
    lazy: true,
    // Reconnecting is ResumableSubscription's job: it resubscribes from the last cursor, which
    // graphql-ws's own retry (the first subscribe message again) would not do.
    retryAttempts: 0,
    keepAlive: 10_000,
    ...(webSocketImpl ? { webSocketImpl } : {}),
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
  // A phone's socket dies silently (a tunnel, a lift, a NAT that forgot it): a ping without a
  // pong in 5 s ends it, and the live views resume from their cursors when they can.
  ws.on('ping', (received) => {
    if (received) return;
    clearTimeout(pongTimeout);
    pongTimeout = setTimeout(() => ws.terminate(), 5_000);
  });
  ws.on('pong', (received) => {
    if (received) clearTimeout(pongTimeout);
  });
  const auth = new SetContextLink(async (previous) => {
    const token = await session.getAccessToken();
    return token ? { headers: { ...previous.headers, authorization: `Bearer ${token}` } } : {};
  });
  const expired = new ErrorLink(({ error }) => {
    // A token the gateway refuses outright (revoked session) is answered 401 before anything runs.
    if (ServerError.is(error) && error.statusCode === 401) session.expire('UNAUTHENTICATED');
  });
  // Every operation goes by its persisted hash alone (src/persisted.ts), over HTTP and graphql-ws:
  // never text, which a production gateway refuses (OPERATION_NOT_ALLOWED). A hash the gateway
  // does not list is an error to see, except on a development server (sendText), which then sends
  // the text alone (Apollo Server refuses a text whose sha256 is not the hash sent with it).
  const unlisted = ({ meta }: { meta: { persistedQueryNotFound: boolean; persistedQueryNotSupported: boolean } }) => sendText && (meta.persistedQueryNotFound || meta.persistedQueryNotSupported);
  const persisted = new PersistedQueryLink({ generateHash: persistedHash, disable: unlisted, retry: unlisted });
  const http = ApolloLink.from([auth, expired, new HttpLink({ uri: url })]);
  // graphql-ws requires a query string: with a hash, the gateway takes an empty one to mean "run
  // the listed text" (gateway/src/pipeline/gate.ts, reading the input). GraphQLWsLink always
  // prints the document, so the payload is emptied here.
  const hashedWs: Client = { ...ws, subscribe: (payload, sink) => ws.subscribe(!sendText && payload.extensions?.persistedQuery ? { ...payload, query: '' } : payload, sink) };
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
  const client = new ApolloClient({ link, cache: createCache() });
  return {
    client,
    ws,
    wsConnected: () => connected,
    dropSocket: () => ws.terminate(),
    dispose: () => {
      clearTimeout(pongTimeout);
      client.stop();
      void Promise.resolve(ws.dispose()).catch(() => {});
    },
  };
}

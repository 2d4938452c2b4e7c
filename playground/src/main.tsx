import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from 'graphql-ws';
import { signInPlugin } from './sign-in';

// The gateway serves this page at its GraphQL endpoint, so the page posts back to the URL it was
// loaded from: that stays right behind a reverse proxy that mounts the gateway under a prefix.
const endpoint = `${window.location.origin}${window.location.pathname}`;

const http = createGraphiQLFetcher({ url: endpoint });

/**
 * Subscriptions go over graphql-ws to the same path. The token in the Headers tab is sent in
 * connection_init (browsers cannot set headers on a WebSocket), as the web and mobile apps do.
 */
const fetcher: Fetcher = (params, options) => {
  const isSubscription = /^\s*subscription\b/m.test(params.query.replace(/#[^\n]*/g, ''));
  if (!isSubscription) return http(params, options);
  const headers = (options?.headers ?? {}) as Record<string, string>;
  const authorization = headers.Authorization ?? headers.authorization;
  const client = createClient({
    url: endpoint.replace(/^http/, 'ws'),
    lazy: true,
    retryAttempts: 0,
    connectionParams: authorization ? { authorization } : {},
  });
  const iterator = client.iterate({ query: params.query, variables: params.variables ?? {}, operationName: params.operationName ?? undefined });
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => iterator.next(),
      return: async () => {
        await iterator.return?.();
        // dispose() rejects when the socket is still connecting; there is nothing left to report.
        await Promise.resolve(client.dispose()).catch(() => {});
        return { value: undefined, done: true };
      },
    }),
  } as never;
};

const DEFAULT_QUERY = `# OrgaNoise playground
#
# Without a token you are anonymous (viewer is null).
# Sign in with the panel on the left (the key button):
# it puts your access token in the Headers tab below,
# which queries and subscriptions both send:
#
#   { "Authorization": "Bearer <token>" }

{
  viewer {
    id
    name
  }
}
`;

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <GraphiQL
      fetcher={fetcher}
      plugins={[signInPlugin]}
      defaultQuery={DEFAULT_QUERY}
      defaultEditorToolsVisibility="headers"
      isHeadersEditorEnabled
      // Tokens are credentials: keep them out of localStorage unless the user opts in.
      shouldPersistHeaders={false}
    />
  </StrictMode>,
);

import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

// The gateway serves this page at its GraphQL endpoint, so the page posts back to the URL it was
// loaded from: that stays right behind a reverse proxy that mounts the gateway under a prefix.
const endpoint = `${window.location.origin}${window.location.pathname}`;

const DEFAULT_QUERY = `# OrgaNoise playground
#
# Without a token you are anonymous (viewer is null).
# Run signUp or signIn, then paste the accessToken
# in the Headers tab below:
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
      fetcher={createGraphiQLFetcher({ url: endpoint })}
      defaultQuery={DEFAULT_QUERY}
      defaultEditorToolsVisibility="headers"
      isHeadersEditorEnabled
      // Tokens are credentials: keep them out of localStorage unless the user opts in.
      shouldPersistHeaders={false}
    />
  </StrictMode>,
);

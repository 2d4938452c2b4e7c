import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { serveChild } from '../lib/child.js';

// Child-process entry: the stock @apollo/gateway with its default settings, as its docs start it.
serveChild<{ supergraphSdl: string }, { url: string }>(async ({ supergraphSdl }) => {
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { info: { url }, close: () => server.stop() };
});

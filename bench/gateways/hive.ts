import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { serveChild } from '../lib/child.js';

// Child-process entry: Hive Gateway (the Guild's @graphql-hive/gateway-runtime, what the
// `hive-gateway` CLI serves) over the same supergraph, one process, with its default settings
// but for a quieter log (ours runs at `warn` too) and no landing page. `rustPlanner` swaps its
// default JavaScript (stitching) runtime for @graphql-hive/router-runtime: the Rust query
// planner of Hive Router as a native addon with its purpose-built executor, what its docs
// start with `--hive-router-runtime`.

export interface HiveConfig {
  supergraphSdl: string;
  rustPlanner: boolean;
}

serveChild<HiveConfig, { url: string }>(async ({ supergraphSdl, rustPlanner }) => {
  const gateway = createGatewayRuntime({
    supergraph: supergraphSdl,
    logging: 'warn',
    landingPage: false,
    ...(rustPlanner ? { unifiedGraphHandler } : {}),
  });
  const server = createServer(gateway);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    info: { url: `http://127.0.0.1:${port}/graphql` },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.dispose();
    },
  };
});

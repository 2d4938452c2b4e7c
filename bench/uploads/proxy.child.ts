import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@organoise/core';
import { uploadProxy } from '@organoise/gateway/uploads';
import { serveChild } from '../lib/child.js';
import { answerRssReadings } from './rss.js';

// The gateway's upload forwarding (gateway/src/uploads.ts) in a process of its own, mounted as the
// gateway mounts it, so its memory is measured apart from the file subgraph's.
serveChild<{ fileSubgraphUrl: string }, { url: string }>(async (config) => {
  const forward = uploadProxy({ fileSubgraphUrl: config.fileSubgraphUrl, log: createLogger({ service: 'gateway' }, 'warn') });
  const server = createServer((req, res) =>
    forward(req, res, () => {
      res.statusCode = 404;
      res.end();
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  answerRssReadings();
  return {
    info: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});

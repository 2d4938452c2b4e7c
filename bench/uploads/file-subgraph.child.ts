import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '@organoise/core';
import { startFileSubgraph, type S3StorageOptions } from '@organoise/subgraph-file';
import { serveChild } from '../lib/child.js';
import { answerRssReadings } from './rss.js';

export interface FileSubgraphConfig {
  internalTokenSecret: string;
  /** Local disk in a temp folder when unset. */
  s3?: S3StorageOptions;
}

// The file subgraph alone, in a process of its own, on in-memory PGlite: its memory is what the upload bench measures.
serveChild<FileSubgraphConfig, { url: string }>(async (config) => {
  const dir = config.s3 ? null : mkdtempSync(path.join(tmpdir(), 'organoise-bench-uploads-'));
  const server = await startFileSubgraph({
    database: { dataDir: 'memory' },
    internalTokenSecret: config.internalTokenSecret,
    log: createLogger({ service: 'file' }, 'warn'),
    ...(config.s3 ? { s3: config.s3 } : { storageDir: dir! }),
    uploads: { defaultMaxBytes: 2 ** 31 - 1 },
  });
  answerRssReadings();
  return {
    info: { url: server.url },
    close: async () => {
      await server.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
});

// What the benchmark's parent and its service processes share. Kept apart from service.ts, whose
// import alone turns a process into a service child (it listens for the parent's messages).

import { SUBGRAPH_NAMES, type SubgraphName } from '@organoise/core';

export const SUBGRAPHS = SUBGRAPH_NAMES;
export type { SubgraphName };
export type ServiceName = SubgraphName | 'gateway';

export interface ServiceConfig {
  name: ServiceName;
  databaseUrl: string;
  poolMax: number;
  internalTokenSecret: string;
  issuer: string;
  fileStorageDir: string;
  /** The gateway's: where the subgraphs listen. */
  subgraphUrls?: Record<SubgraphName, string>;
  /** Events between the subgraphs' processes and replicas through this Redis; unset = each subgraph's own in-memory pub/sub. */
  redisUrl?: string;
  /** The gateway's: keep answers in the response cache (RESPONSE_CACHE=on), invalidated by the events on redisUrl. */
  responseCache?: boolean;
}

/**
 * What a service child answers to a `{ type: 'memory' }` message (bench/soak.ts asks every window):
 * its memory after a full GC when started with --expose-gc (heapUsed is then the live heap), its
 * active handles, and for the gateway its subscription engine's counters.
 */
export interface MemoryReading {
  type: 'memory';
  rss: number;
  heapUsed: number;
  /** Whether a full GC ran first (the child has --expose-gc). */
  afterGc: boolean;
  /** process.getActiveResourcesInfo(): sockets, servers, timers and other handles keeping it alive, by kind. */
  handles: Record<string, number>;
  subscriptions?: { topics: number; connections: number; listeners: number; peakQueued: number; slowConsumers: number };
}

export { DEMO_ORGANIZATION, DEMO_PASSWORD, DEMO_USERS, seedDemo, type SeedResult } from './seed.js';
export { DEVELOPMENT_ORIGINS } from '@organoise/gateway';
import { createPubSub, startSubgraphs, type Logger, type PubSub, type RunningServer, type SubgraphName } from '@organoise/core';
import { loadSupergraph, startGateway, type GatewayOptions, type RunningGateway, type SubscriptionLimits } from '@organoise/gateway';
import type { FileSubgraphOptions } from '@organoise/subgraph-file';
import { MemoryMailer, type UserSubgraphOptions } from '@organoise/subgraph-user';

// The one list of subgraphs lives in core (packages/core/src/subgraphs.ts).
export { SUBGRAPH_NAMES, type SubgraphName } from '@organoise/core';

export interface PlatformOptions {
  /** One Postgres for all subgraphs (each in its own schema), or per subgraph; absent = PGlite. */
  databaseUrls: Partial<Record<SubgraphName, string | undefined>>;
  /** PGlite data folder root (one sub-folder per subgraph), or 'memory' (tests). */
  dataDir: string;
  fileStorageDir: string;
  maxUploadBytes?: number;
  internalTokenSecret: string;
  accessTokenIssuer: string;
  accessTokenTtlSeconds?: number;
  sessionTtlSeconds?: number;
  host?: string;
  /** 0 (the default) picks free ports. */
  ports?: Partial<Record<SubgraphName | 'gateway', number>>;
  /** Defaults to the committed schema/supergraph.graphql. */
  supergraphSdl?: string;
  playground?: boolean;
  /** Serve the built web app (web/dist) at / on the gateway's origin. */
  web?: boolean;
  introspection?: boolean;
  principalCacheMs?: number;
  /** Identity settings passed to the user subgraph (mail, encryption keys, timeouts, throttling). */
  user?: Partial<Pick<UserSubgraphOptions, 'mail' | 'encryptionKeys' | 'sessionIdleSeconds' | 'throttle' | 'appUrl' | 'stepUpMaxAgeSeconds' | 'oidcProviders' | 'signUpVerification'>>;
  /** Processing settings passed to the file subgraph (e.g. concurrency 0: no worker, jobs stay queued). */
  file?: Partial<Pick<FileSubgraphOptions, 'processing'>>;
  /** Redis for events between replicas; absent = in-process pub/sub. */
  redisUrl?: string | undefined;
  subscriptions?: Partial<SubscriptionLimits>;
  /** Gateway protections (rate limits...) and whose X-Forwarded-For to trust. */
  gateway?: Pick<GatewayOptions, 'protection' | 'trustProxy' | 'corsOrigins'>;
  /** Sees every SQL statement each subgraph runs (tests count them to prove batching). */
  onQuery?: (subgraph: SubgraphName, sql: string) => void;
  log: Logger;
}

export interface Platform {
  gateway: RunningGateway;
  subgraphs: Record<SubgraphName, RunningServer>;
  pubsub: PubSub;
  close(): Promise<void>;
}

/**
 * Starts every subgraph and the gateway in this process: the embedded default of `npm start`
 * and the harness of the e2e tests. Production runs each service as its own process
 * (`src/main.ts` of each package) with the same code.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const host = options.host ?? '127.0.0.1';
  const port = (name: SubgraphName | 'gateway') => options.ports?.[name] ?? 0;
  const database = (name: SubgraphName) => ({
    url: options.databaseUrls[name],
    dataDir: options.dataDir === 'memory' ? 'memory' : `${options.dataDir}/pglite/${name}`,
    onQuery: options.onQuery ? (sql: string) => options.onQuery!(name, sql) : undefined,
  });
  const common = (name: SubgraphName) => ({
    database: database(name),
    internalTokenSecret: options.internalTokenSecret,
    log: options.log.child({ service: name }),
    port: port(name),
    host,
  });
  // What the embedded platform passes to a subgraph beyond what every subgraph gets; the others need nothing more.
  const own: { [N in SubgraphName]?: Record<string, unknown> } = {
    user: {
      tokens: { issuer: options.accessTokenIssuer, ttlSeconds: options.accessTokenTtlSeconds ?? 3600 },
      sessionTtlSeconds: options.sessionTtlSeconds ?? 30 * 86_400,
      // Mail goes to the dev outbox under the data folder (in memory for in-memory platforms).
      mail: options.dataDir === 'memory' ? { mailer: new MemoryMailer() } : { outboxDir: `${options.dataDir}/outbox` },
      ...options.user,
    } satisfies Partial<UserSubgraphOptions>,
    file: { storageDir: options.fileStorageDir, maxUploadBytes: options.maxUploadBytes, ...options.file } satisfies Partial<FileSubgraphOptions>,
  };
  const pubsub = createPubSub(options.redisUrl, (error) => options.log.warn('redis error', { error: error.message }));
  let started: Record<SubgraphName, RunningServer> | undefined;
  try {
    const subgraphs = await startSubgraphs((name) => ({ ...common(name), pubsub, ...own[name] }));
    started = subgraphs;
    const gateway = await startGateway({
      supergraphSdl: options.supergraphSdl ?? loadSupergraph(),
      subgraphUrls: Object.fromEntries(Object.entries(subgraphs).map(([name, s]) => [name, s.url])),
      internalTokenSecret: options.internalTokenSecret,
      identity: { issuer: options.accessTokenIssuer, principalCacheMs: options.principalCacheMs ?? 1000 },
      log: options.log.child({ service: 'gateway' }),
      port: port('gateway'),
      host,
      playground: options.playground ?? false,
      web: options.web ?? false,
      introspection: options.introspection ?? true,
      ...(options.subscriptions ? { subscriptions: options.subscriptions } : {}),
      // Live subscriptions re-checked on the user subgraph's credential events (in process, without Redis: polled).
      ...(options.redisUrl ? { domainEvents: { redisUrl: options.redisUrl } } : {}),
      // Rate-limit counters are shared through Redis too, so replicas enforce one budget.
      ...(options.redisUrl ? { protection: { rateLimits: { redisUrl: options.redisUrl } } } : {}),
      ...(options.gateway?.trustProxy !== undefined ? { trustProxy: options.gateway.trustProxy } : {}),
      ...(options.gateway?.corsOrigins ? { corsOrigins: options.gateway.corsOrigins } : {}),
      ...(options.gateway?.protection
        ? { protection: { ...options.gateway.protection, ...(options.redisUrl && options.gateway.protection.rateLimits !== false ? { rateLimits: { ...options.gateway.protection.rateLimits, redisUrl: options.redisUrl } } : {}) } }
        : {}),
    });
    return {
      gateway,
      subgraphs,
      pubsub,
      close: async () => {
        await gateway.close();
        await Promise.all(Object.values(subgraphs).map((s) => s.close()));
        await pubsub.close();
      },
    };
  } catch (error) {
    await Promise.allSettled(Object.values(started ?? {}).map((s) => s.close()));
    await pubsub.close();
    throw error;
  }
}

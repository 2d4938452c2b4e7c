import { z } from 'zod';
import { optionalUrl, port } from './env.js';
import { createPubSub } from './events/pubsub.js';
import { createLogger } from './log.js';
import { gracefulShutdown, onStopSignal } from './shutdown.js';
import { startTracing } from './tracing.js';
import type { DefinedSubgraph, SubgraphOptions, SubgraphServices } from './subgraph.js';
import { DEFAULT_GATEWAY_PORT, portOffsetOf, SUBGRAPH_NAMES, subgraphUrlSetting, type SubgraphName, type SubgraphUrlSetting } from './subgraphs.js';

/** `<NAME>_DATABASE_URL`: a subgraph's own database, when not the shared DATABASE_URL. */
export type DatabaseUrlSetting<N extends SubgraphName> = `${Uppercase<N>}_DATABASE_URL`;
export const databaseUrlSetting = <N extends SubgraphName>(name: N) => `${name.toUpperCase()}_DATABASE_URL` as DatabaseUrlSetting<N>;

/**
 * The settings every subgraph's env.ts starts from (README lists them); it spreads them into its
 * own z.object beside its own. The env.ts parses eagerly, when main.ts imports it: a bad setting
 * stops the process before it opens anything, and only main.ts imports env.ts (the library in
 * index.ts takes options, so tests and the platform never read the environment).
 */
export function subgraphSettings<N extends SubgraphName>(name: N) {
  return {
    PORT: port(DEFAULT_GATEWAY_PORT + portOffsetOf(name)),
    HOST: z.string().default('127.0.0.1'),
    DATABASE_URL: optionalUrl(),
    ...({ [databaseUrlSetting(name)]: optionalUrl() } as Record<DatabaseUrlSetting<N>, ReturnType<typeof optionalUrl>>),
    DATA_DIR: z.string().default('data'),
    INTERNAL_TOKEN_SECRET: z.string().min(32).optional(),
    /** Redis for PubSub between replicas (subscriptions on one see events committed through another); in memory when unset. */
    REDIS_URL: optionalUrl(),
    /** Events older than this are trimmed; resuming a subscription from before them is refused. */
    EVENT_RETENTION_HOURS: z.coerce.number().positive().default(24),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    NODE_ENV: z.string().default('development'),
    /** OTLP/HTTP collector for traces; unset: tracing off (packages/core/src/tracing.ts). */
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(),
    /** On SIGTERM, /readyz fails this long before the server closes, so a load balancer stops sending first (docs/operations.md). */
    SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(120_000).default(0),
  };
}

/** The parsed settings every subgraph has (subgraphSettings). */
export interface SubgraphEnv {
  PORT: number;
  HOST: string;
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
  INTERNAL_TOKEN_SECRET?: string | undefined;
  REDIS_URL?: string | undefined;
  EVENT_RETENTION_HOURS: number;
  LOG_LEVEL: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  NODE_ENV: string;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  SHUTDOWN_DELAY_MS: number;
}

export interface SubgraphMain<Options extends SubgraphOptions, Env extends SubgraphEnv> {
  subgraph: DefinedSubgraph<Options, SubgraphServices>;
  env: Env;
  /** The subgraph's own options, from its own settings. */
  options?: (env: Env) => Omit<Options, keyof SubgraphOptions>;
  /** Settings production cannot do without, each with why: unset there, the process refuses to start rather than run on a development default. */
  requiredInProduction?: Partial<Record<keyof Env & string, string>>;
}

/**
 * A subgraph's standalone entry point (one process per subgraph in production): checks the
 * settings, starts it on a PubSub from REDIS_URL, and on SIGINT/SIGTERM drains it (readiness
 * fails, SHUTDOWN_DELAY_MS, requests in flight finish) and closes it, then the PubSub.
 */
export async function runSubgraphMain<Options extends SubgraphOptions, Env extends SubgraphEnv>(main: SubgraphMain<Options, Env>): Promise<void> {
  const { subgraph, env } = main;
  const log = createLogger({ service: subgraph.name }, env.LOG_LEVEL);
  const secret = env.INTERNAL_TOKEN_SECRET;
  if (!secret) {
    log.error('INTERNAL_TOKEN_SECRET is required when a subgraph runs on its own');
    process.exit(1);
  }
  for (const [name, why] of Object.entries(main.requiredInProduction ?? {})) {
    if (env.NODE_ENV === 'production' && !(env as Record<string, unknown>)[name]) {
      log.error(`${name} is required in production (${String(why)})`);
      process.exit(1);
    }
  }
  // Before anything opens: the database driver's and the server's spans need the provider in place.
  const tracing = env.OTEL_EXPORTER_OTLP_ENDPOINT ? startTracing({ endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: `organoise-${subgraph.name}` }) : null;
  const pubsub = createPubSub(env.REDIS_URL, (error) => log.warn('redis error', { error }));
  const server = await subgraph.start({
    database: { url: databaseUrlsFrom(env)[subgraph.name], dataDir: `${env.DATA_DIR}/pglite/${subgraph.name}` },
    internalTokenSecret: secret,
    log,
    port: env.PORT,
    host: env.HOST,
    pubsub,
    eventRetentionHours: env.EVENT_RETENTION_HOURS,
    ...main.options?.(env),
  } as Options);
  // The stop handler before the line that says it listens: whatever waits for that line (a
  // supervisor, a test) may send SIGTERM at once, and without a handler the signal kills the process.
  onStopSignal(async () => {
    await gracefulShutdown(server, env.SHUTDOWN_DELAY_MS, log);
    await pubsub.close();
    await tracing?.shutdown();
  }, log);
  log.info(`${subgraph.name} subgraph listening`, { url: server.url });
}

/** A gateway's `SUBGRAPH_<NAME>_URL` settings, one per subgraph of the list; unset: the supergraph's URL. */
export const subgraphUrlSettings = () =>
  Object.fromEntries(SUBGRAPH_NAMES.map((name) => [subgraphUrlSetting(name), optionalUrl()])) as Record<SubgraphUrlSetting, ReturnType<typeof optionalUrl>>;

/** The subgraph URLs those settings give (a missing one stays the supergraph's). */
export const subgraphUrlsFrom = (env: Partial<Record<SubgraphUrlSetting, string | undefined>>): Partial<Record<SubgraphName, string>> =>
  Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, env[subgraphUrlSetting(name)]]));

/** Every subgraph's `<NAME>_DATABASE_URL` (a process that runs them all: npm start). */
export const databaseUrlSettings = () =>
  Object.fromEntries(SUBGRAPH_NAMES.map((name) => [databaseUrlSetting(name), optionalUrl()])) as Record<DatabaseUrlSetting<SubgraphName>, ReturnType<typeof optionalUrl>>;

/** Each subgraph's database URL from those settings: its own, else the shared DATABASE_URL. */
export const databaseUrlsFrom = (env: { DATABASE_URL?: string | undefined } & Partial<Record<DatabaseUrlSetting<SubgraphName>, string | undefined>>): Record<SubgraphName, string | undefined> =>
  Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, env[databaseUrlSetting(name)] ?? env.DATABASE_URL])) as Record<SubgraphName, string | undefined>;

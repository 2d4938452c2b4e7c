import { fileURLToPath } from 'node:url';
import type express from 'express';
import type { DocumentNode } from 'graphql';
import { mergePermissions, type Permissions, type RuleTree } from './authz/shield.js';
import { openDatabase, type Database, type DatabaseOptions } from './db.js';
import type { EventBus } from './events/bus.js';
import { startEventBus, type EventBusSettings, type RunningEventBus } from './events/runtime.js';
import type { EventLogTables } from './events/tables.js';
import type { IdempotencyKeysTable } from './idempotency.js';
import type { Logger } from './log.js';
import { mountSearchSource, type SearchSource } from './search/source.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';
import { loadSubgraphTypeDefs, mergeResolvers } from './sdl.js';
import { startSubgraphServer, type BaseContext, type RunningServer } from './server.js';
import { databaseSchemaOf, needsOf, packageOf, SUBGRAPH_NAMES, type SubgraphName } from './subgraphs.js';

/** What every subgraph's domain functions may use once it has started. */
export interface SubgraphServices {
  db: Database;
  /** The event log and PubSub: writes append to it, subscriptions follow it. */
  bus: EventBus;
  /** How often a subscription also reads the log, to catch a publish lost in transit; 0 = never. */
  eventPollIntervalMs: number;
}

/** What every subgraph is started with; each adds its own options. Event settings come from EventBusSettings. */
export interface SubgraphOptions extends EventBusSettings {
  database: Omit<DatabaseOptions, 'schema' | 'migrationsFolder'>;
  internalTokenSecret: string;
  log: Logger;
  port?: number;
  host?: string;
}

/** A subgraph's request context: who asks, its services, and this request's loaders. */
export type SubgraphContext<Services, Loaders> = BaseContext & Services & { loaders: Loaders };

/** Who is asking, per request, as a domain function sees it. */
export type Caller = Pick<BaseContext, 'viewer' | 'clientIp' | 'userAgent' | 'log'>;

/**
 * What every domain function takes first (docs/decisions/0012-domain-functions.md): the subgraph's
 * services and the caller, as one object. A resolver passes its context as it is (a
 * SubgraphContext is one); a function names the part it uses with Pick, so a route, a timer or a
 * test builds only that.
 */
export type DomainDeps<Services> = Services & Caller;

/** One domain folder (`src/domains/<name>/`): its SDL (schema.graphql) beside its resolvers and permissions. */
export interface SubgraphDomain {
  sdl: URL;
  resolvers: object;
  permissions: Permissions;
}

/** A domain as its resolvers.ts declares it (`import.meta.url`): the schema.graphql beside that file. */
export const subgraphDomain = (resolversUrl: string, resolvers: object, permissions: Permissions): SubgraphDomain => ({
  sdl: new URL('./schema.graphql', resolversUrl),
  resolvers,
  permissions,
});

export interface SubgraphDefinition<Options extends SubgraphOptions, Services extends SubgraphServices, Loaders> {
  name: SubgraphName;
  /** `import.meta.url` of the subgraph's src/index.ts: its drizzle migrations are in `../drizzle`. */
  root: string;
  /** In the order their SDL is composed. */
  domains: SubgraphDomain[];
  /** Wraps the merged permissions (the user subgraph adds its recent-second-factor check). */
  securePermissions?: (merged: RuleTree) => Permissions;
  /** The event log's tables, and the idempotency keys' when the subgraph records them (trimmed with the log). */
  eventTables: EventLogTables & { idempotencyKeys?: IdempotencyKeysTable };
  /** The subgraph's own services, made once its database and event bus are open (a throw closes them again). */
  services?: (core: SubgraphServices, options: Options) => Services | Promise<Services>;
  /** Per-request loaders, renewed for each event of a subscription (`eachEventWithFreshLoaders`). */
  loaders: (db: Database, base: BaseContext) => Loaders;
  /** Its searchable entities (docs/protocols/search.md#sources): core serves the search source routes for them. */
  search?: SearchSource;
  /** Routes beside /graphql (the user subgraph's identity endpoints for the gateway). */
  routes?: (app: express.Express, services: Services, options: Options) => void;
  /** Postgres extensions PGlite loads for this subgraph's migrations (DatabaseOptions.pgliteExtensions). */
  pgliteExtensions?: DatabaseOptions['pgliteExtensions'];
  /** Largest request body (default: startSubgraphServer's). */
  maxBodyBytes?: (options: Options) => number;
  /** Its options from the URLs of the subgraphs it needs (`needs` in subgraphs.ts), when the platform starts it. */
  peers?: (urls: Partial<Record<SubgraphName, string>>) => Partial<Options>;
  /** Waits for the subgraph's own work in flight, after the server has closed and before the event bus does. */
  drain?: (services: Services) => Promise<void>;
}

export interface StartedSubgraph<Services> extends RunningServer {
  services: Services;
}

export interface DefinedSubgraph<Options extends SubgraphOptions, Services extends SubgraphServices> {
  name: SubgraphName;
  typeDefs: DocumentNode;
  resolvers: Record<string, Record<string, unknown>>;
  permissions: Permissions;
  /** Its event channels are `<prefix>:<stream>` (docs/protocols/subscriptions.md). */
  eventChannelPrefix: string;
  migrationsFolder: string;
  /** Its options from the URLs of the subgraphs it needs (see SubgraphDefinition.peers). */
  peers(urls: Partial<Record<SubgraphName, string>>): Partial<Options>;
  /**
   * Opens the database (migrating it), starts the event bus and the subgraph's own services, and
   * serves it. A start that fails closes what it had opened; `close` ends the server first (which
   * ends the subscriptions, so they stop reading the log), then the subgraph's own work, the
   * event bus and the database.
   */
  start(options: Options): Promise<StartedSubgraph<Services>>;
}

export const eventChannelPrefixOf = (name: SubgraphName): string => `organoise:${name}`;

const RENEW_LOADERS = Symbol('renewLoaders');
type Renewable = { [RENEW_LOADERS]?: (ctx: Renewable) => void };

/**
 * A subscription field's `resolve`: a subscription's context lives as long as the subscription,
 * so its loaders would serve each event the rows cached for an earlier one. Each event starts
 * with empty loaders and shows the rows as they are now (graphql-ws executes one subscription's
 * events one after another).
 */
export function eachEventWithFreshLoaders<Event>(event: Event, _args: unknown, ctx: object): Event {
  (ctx as Renewable)[RENEW_LOADERS]?.(ctx as Renewable);
  return event;
}

/** The one lifecycle every subgraph shares; each `src/index.ts` declares only what is its own. */
export function defineSubgraph<Options extends SubgraphOptions = SubgraphOptions, Services extends SubgraphServices = SubgraphServices, Loaders = unknown>(
  definition: SubgraphDefinition<Options, Services, Loaders>,
): DefinedSubgraph<Options, Services> {
  const typeDefs = loadSubgraphTypeDefs(definition.domains.map((d) => d.sdl));
  const resolvers = mergeResolvers({ DateTime: DateTimeScalar, JSON: JSONScalar } as never, ...(definition.domains.map((d) => d.resolvers) as never[]));
  const merged = mergePermissions(...definition.domains.map((d) => d.permissions));
  const permissions = definition.securePermissions ? definition.securePermissions(merged) : merged;
  const migrationsFolder = fileURLToPath(new URL('../drizzle', definition.root));
  const eventChannelPrefix = eventChannelPrefixOf(definition.name);

  async function start(options: Options): Promise<StartedSubgraph<Services>> {
    const { name } = definition;
    const database = await openDatabase({ ...options.database, schema: databaseSchemaOf(name), migrationsFolder, pgliteExtensions: definition.pgliteExtensions });
    const opened: Array<() => Promise<void>> = [() => database.close()];
    // What was opened closes in reverse when a later step fails: no pool, trim timer or PubSub is left behind.
    const undo = async () => {
      for (const close of opened.reverse()) await close();
    };
    let eventBus: RunningEventBus;
    let services: Services;
    let server: RunningServer;
    try {
      eventBus = startEventBus(database.db, definition.eventTables, eventChannelPrefix, options, options.log);
      opened.push(() => eventBus.close());
      const core: SubgraphServices = { db: database.db, bus: eventBus.bus, eventPollIntervalMs: eventBus.pollIntervalMs };
      services = definition.services ? await definition.services(core, options) : (core as Services);
      const own = services;
      const renew = (ctx: Renewable) => {
        (ctx as { loaders: Loaders }).loaders = definition.loaders(database.db, ctx as unknown as BaseContext);
      };
      server = await startSubgraphServer<SubgraphContext<Services, Loaders>>({
        name,
        typeDefs,
        resolvers: resolvers as never,
        permissions,
        internalTokenSecret: options.internalTokenSecret,
        log: options.log,
        port: options.port ?? 0,
        host: options.host ?? '127.0.0.1',
        ready: database.ping,
        degraded: eventBus.degraded,
        ...(definition.maxBodyBytes ? { maxBodyBytes: definition.maxBodyBytes(options) } : {}),
        ...(definition.routes || definition.search
          ? {
              routes: (app: express.Express) => {
                if (definition.search) {
                  mountSearchSource(app, { name, internalTokenSecret: options.internalTokenSecret, db: database.db, tables: definition.eventTables, source: definition.search, log: options.log });
                }
                definition.routes?.(app, own, options);
              },
            }
          : {}),
        createContext: (base) => ({ ...base, ...own, loaders: definition.loaders(database.db, base), [RENEW_LOADERS]: renew }),
      });
    } catch (error) {
      await undo();
      throw error;
    }
    return {
      ...server,
      services,
      close: async () => {
        await server.close();
        await definition.drain?.(services);
        await eventBus.close();
        await database.close();
      },
    };
  }

  const peers = (urls: Partial<Record<SubgraphName, string>>) => definition.peers?.(urls) ?? {};
  return { name: definition.name, typeDefs, resolvers, permissions, eventChannelPrefix, migrationsFolder, peers, start };
}

/** A subgraph as the platform, composition and benchmarks see it: whatever its own options. */
// `any`: each subgraph adds its own options; the caller passes them from its own typed settings.
export type AnySubgraph = DefinedSubgraph<any, SubgraphServices>;

/**
 * Every subgraph's definition, from its package (`@organoise/subgraph-<name>`, whose index.ts
 * exports `subgraph`), in the order of the one list (subgraphs.ts): nothing else names them.
 */
export async function loadSubgraphs(): Promise<Record<SubgraphName, AnySubgraph>> {
  const loaded = await Promise.all(
    SUBGRAPH_NAMES.map(async (name) => {
      const module = (await import(/* @vite-ignore */ packageOf(name))) as { subgraph?: AnySubgraph };
      if (module.subgraph?.name !== name) throw new Error(`${packageOf(name)} must export the subgraph '${name}' as \`subgraph\` (defineSubgraph)`);
      return [name, module.subgraph] as const;
    }),
  );
  return Object.fromEntries(loaded) as Record<SubgraphName, AnySubgraph>;
}

/**
 * Starts every subgraph of the list in this process (the embedded platform, benchmarks), each once
 * those it needs (`needs` in subgraphs.ts) listen, the rest together. `optionsOf` gives each its
 * options (its `peers` options from the URLs so far are added). If any fails, all that started are
 * closed again, once every start has settled, and the first failure is thrown.
 */
export async function startSubgraphs(optionsOf: (name: SubgraphName) => SubgraphOptions & Record<string, unknown>): Promise<Record<SubgraphName, StartedSubgraph<SubgraphServices>>> {
  const definitions = await loadSubgraphs();
  const urls: Partial<Record<SubgraphName, string>> = {};
  const started: RunningServer[] = [];
  const starting = new Map<SubgraphName, Promise<StartedSubgraph<SubgraphServices>>>();
  const start = (name: SubgraphName): Promise<StartedSubgraph<SubgraphServices>> => {
    let promise = starting.get(name);
    if (!promise) {
      promise = Promise.all(needsOf(name).map(start)).then(async () => {
        const subgraph = definitions[name];
        const server = await subgraph.start({ ...subgraph.peers(urls), ...optionsOf(name) });
        started.push(server);
        urls[name] = server.url;
        return server;
      });
      starting.set(name, promise);
    }
    return promise;
  };
  const results = await Promise.allSettled(SUBGRAPH_NAMES.map(start));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw failed.reason;
  }
  return Object.fromEntries(SUBGRAPH_NAMES.map((name, i) => [name, (results[i] as PromiseFulfilledResult<StartedSubgraph<SubgraphServices>>).value])) as Record<
    SubgraphName,
    StartedSubgraph<SubgraphServices>
  >;
}

import type { ApolloGateway } from '@apollo/gateway';
import { watchResponseCache, type Logger, type Viewer } from '@organoise/core';
import { getVariableValues } from 'graphql';
import type { GatewayContext } from '../context.js';
import { scopeOf } from '../subscriptions/sharing.js';
import { followEvents } from './events.js';
import { cacheabilityOf } from './fields.js';
import { ResponseStore, type ResponseCacheStats } from './store.js';

export { CACHEABLE_FIELDS, ARGUMENT_RULES, cacheabilityOf } from './fields.js';
export { tagsOfEvent } from './events.js';

type Executor = ApolloGateway['executor'];
type ExecutorResult = Awaited<ReturnType<Executor>>;

export interface ResponseCacheOptions {
  /** Where the subgraphs publish their domain events: the only source of invalidation. */
  redisUrl: string;
  /** Bytes of answers held at most (least recently used go first). */
  maxBytes: number;
  /** No answer is served older than this, whatever the events say (the bound for events never published). */
  maxAgeMs: number;
  /** A PING on the event connection this often, unanswered within as long, stops serving until it is back (default 5 s). */
  livenessMs?: number;
}

/** What tests and benchmarks may read of a running cache. */
export interface ResponseCache {
  readonly stats: Readonly<ResponseCacheStats>;
  readonly serving: boolean;
  /** Entries held now. */
  readonly size: number;
  /** Resolves once the cache serves (subscribed to the events). */
  whenServing(): Promise<void>;
}

/** What an answer for this caller depends on: each of their organizations (refused ones too) and themselves. */
export function tagsOfViewer(viewer: Viewer): string[] {
  const tags = [`user:${viewer.userId}`];
  for (const organizationId of Object.keys(viewer.memberships)) tags.push(`org:${organizationId}`);
  for (const organizationId of viewer.deniedOrgs ?? []) tags.push(`org:${organizationId}`);
  return tags;
}

/** An answer with less than this share of its maximum age left is refilled in the background when it is served. */
const REFRESH_AHEAD = 0.25;

/** A cache policy for a background refill: what it restricts concerns no answer being sent. */
const detachedCachePolicy = () => ({ maxAge: undefined, scope: undefined, restrict() {}, replace() {}, policyIfCacheable: () => null });

/** JSON with every object's keys in order: equal variables, one key. */
const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));

/**
 * Wraps the gateway's executor (before Apollo Server takes it, as instrumentExecutor does) so that
 * every transport's queries are served from the cache when they may be, and every mutation drops
 * its caller's answers before its own answer leaves (docs/decisions/0016-response-cache.md).
 */
export function cacheExecutor(gateway: ApolloGateway, options: ResponseCacheOptions, log: Logger): { cache: ResponseCache; flush(): void; close(): Promise<void> } {
  const store = new ResponseStore(options);
  const feed = followEvents(options.redisUrl, store, log, options.livenessMs);
  const unwatch = watchResponseCache(() => store.bytes);
  const execute = gateway.executor;
  /** Fills in flight by key: what they kept (undefined when nothing was kept). */
  const filling = new Map<string, Promise<string | undefined>>();

  gateway.executor = async (requestContext) => {
    const operation = requestContext.operation;
    const viewer = (requestContext.context as GatewayContext | undefined)?.viewer ?? null;
    if (operation?.operation === 'mutation') {
      try {
        return await execute(requestContext);
      } finally {
        // Read your own writes: the caller's next query through this gateway is not answered from
        // before the write, even while the write's event is still on its way.
        if (viewer) store.invalidate(tagsOfViewer(viewer));
      }
    }
    // Anonymous callers are never cached: nothing would scope their answers.
    if (operation?.operation !== 'query' || !viewer || !requestContext.document || !requestContext.schema) return execute(requestContext);
    const cacheability = cacheabilityOf(requestContext.schema, requestContext.document, operation);
    if (!cacheability.cacheable) return execute(requestContext);
    const coerced = getVariableValues(requestContext.schema, operation.variableDefinitions ?? [], requestContext.request.variables ?? {});
    // Invalid variables: the executor words the refusal.
    if (coerced.errors || !coerced.coerced) return execute(requestContext);
    const variables = coerced.coerced;
    if (cacheability.requiredVariables.some((name) => variables[name] === undefined || variables[name] === null)) return execute(requestContext);
    if (!store.serving) {
      store.count('bypass');
      return execute(requestContext);
    }

    const scope = scopeOf(viewer, cacheability.roleScoped);
    const key = `${requestContext.queryHash ?? requestContext.source}\n${requestContext.operationName ?? ''}\n${canonicalJson(variables)}\n${scope}`;
    const hit = store.lookup(key);
    if (hit !== undefined) {
      store.count('hit');
      // Refresh ahead: an answer in the last quarter of its maximum age is filled again in the
      // background while it is still served (it is as exact as any hit: the events still drop it),
      // so a busy question never expires with every request for it waiting on one refill.
      if (!filling.has(key) && store.remainingMs(key) < options.maxAgeMs * REFRESH_AHEAD) {
        store.count('refresh');
        fillOnce(key, viewer, { ...requestContext, metrics: {}, overallCachePolicy: detachedCachePolicy() } as typeof requestContext).catch((error: unknown) =>
          log.warn('response cache refresh failed', { error: error instanceof Error ? error.message : String(error) }),
        );
      }
      // A fresh object per answer: nothing downstream can change what the next caller gets.
      return JSON.parse(hit) as ExecutorResult;
    }
    // The same question already being answered (an expired or dropped entry under load): wait for
    // that answer rather than send the whole plan to the subgraphs again. It is taken only if it was
    // kept, i.e. nothing it depends on was invalidated while it ran (the caller's own mutation
    // included): as fresh as a hit at the moment it was stored. Otherwise this request runs its own.
    const joined = filling.get(key);
    if (joined) {
      store.count('coalesced');
      const text = await joined;
      return text !== undefined ? (JSON.parse(text) as ExecutorResult) : execute(requestContext);
    }
    store.count('miss');
    return fillOnce(key, viewer, requestContext);
  };

  /** Runs the question and keeps its answer unless something it depends on was invalidated meanwhile; joiners wait on it. */
  async function fillOnce(key: string, viewer: Viewer, requestContext: Parameters<Executor>[0]): Promise<ExecutorResult> {
    const fill = store.begin();
    let settle!: (text: string | undefined) => void;
    filling.set(key, new Promise<string | undefined>((resolve) => (settle = resolve)));
    let kept: string | undefined;
    try {
      const result = await execute(requestContext);
      // Only whole, clean answers: no errors (a partial answer, a refusal), no extensions (per request).
      if (!result.errors?.length && result.data && !result.extensions) {
        const text = JSON.stringify(result);
        if (store.store(key, tagsOfViewer(viewer), text, fill)) kept = text;
      }
      return result;
    } finally {
      filling.delete(key);
      settle(kept);
      store.end(fill);
    }
  }

  return {
    cache: {
      get stats() {
        return store.stats;
      },
      get serving() {
        return store.serving;
      },
      get size() {
        return store.size;
      },
      whenServing: () => store.whenServing(),
    },
    flush: () => store.flush(),
    close: async () => {
      unwatch();
      await feed.close();
    },
  };
}

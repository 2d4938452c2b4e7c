import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ApolloGateway } from '@apollo/gateway';
import { startPrivateRedis, startRedisRelay, testLog, waitFor, type PrivateRedis, type RedisRelay } from '@organoise/core/testing';
import { buildSchema, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followEvents, type EventFeed } from '../src/cache/events.js';
import { cacheExecutor } from '../src/cache/index.js';
import { ResponseStore } from '../src/cache/store.js';

// The response cache's event connection going silent (and, last, refresh ahead of the maximum age) without closing (a peer or a middlebox that
// stops answering: no FIN, no RST, so ioredis sees no 'close'). Redis is a private redis-server;
// between it and the cache sits a TCP relay that can swallow everything Redis sends, as such a
// network would. A cache that only watched for 'close' would keep serving while no event reaches it.

// Generous: a loaded machine's reconnect and liveness timers run late.
const WAIT_MS = 20_000;

describe('response cache event connection liveness', () => {
  let redis: PrivateRedis;
  let relay: RedisRelay;
  let feed: EventFeed;
  const store = new ResponseStore({ maxBytes: 1024 * 1024, maxAgeMs: 60_000 });

  beforeAll(async () => {
    redis = await startPrivateRedis();
    relay = await startRedisRelay(redis.url);
    feed = followEvents(relay.url, store, testLog, 200);
    await store.whenServing();
  });

  afterAll(async () => {
    await feed?.close();
    await relay?.close();
    await redis?.stop();
  });

  it('stops serving when the connection goes silent, and serves again (emptied) once it answers', async () => {
    const fill = store.begin();
    expect(store.store('k', ['org:a'], '{"data":{}}', fill)).toBe(true);
    store.end(fill);
    expect(store.lookup('k')).toBeDefined();

    relay.answers('drop');
    // Events published now never arrive: the cache must stop answering from what it holds.
    const publisher = new Redis(redis.url);
    await publisher.publish('organoise:user:user.org:a:members', JSON.stringify({ organizationId: 'a', payload: {} }));
    await waitFor(() => !store.serving, 'the silent connection to stop the cache serving', WAIT_MS);
    expect(store.lookup('k')).toBeUndefined();

    relay.answers('pass');
    await waitFor(() => store.serving, 'the cache to serve again after reconnecting', WAIT_MS);
    // And it follows events again on the new connection.
    const fill2 = store.begin();
    expect(store.store('k2', ['org:b'], '{"data":{}}', fill2)).toBe(true);
    store.end(fill2);
    await publisher.publish('organoise:user:user.org:b:members', JSON.stringify({ organizationId: 'b', payload: {} }));
    await waitFor(() => store.lookup('k2') === undefined, 'the event on the new connection to drop its entry', WAIT_MS);
    publisher.disconnect();
  });
});

describe('response cache refresh ahead', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('refills an answer in the last quarter of its maximum age while serving it, so it does not expire under use', { timeout: 30_000 }, async () => {
    // A stand-in for ApolloGateway: only its executor is used, and here it counts its runs.
    let runs = 0;
    const gateway = { executor: async () => ({ data: { viewer: { id: 'u', name: `run ${++runs}` } } }) } as unknown as ApolloGateway;
    // Generous, so that a loaded machine's late timers still land each question in its window (2 s of slack).
    const maxAgeMs = 10_000;
    const cached = cacheExecutor(gateway, { redisUrl: redis.url, maxBytes: 1024 * 1024, maxAgeMs }, testLog);
    try {
      await cached.cache.whenServing();
      const schema = buildSchema(readFileSync(fileURLToPath(new URL('../../schema/api.graphql', import.meta.url)), 'utf8'));
      const document = parse('query Me { viewer { id name } }');
      const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
      const ask = () =>
        gateway.executor({
          schema,
          document,
          operation,
          operationName: 'Me',
          queryHash: 'me',
          source: 'query Me { viewer { id name } }',
          request: { query: 'query Me { viewer { id name } }', variables: {} },
          context: { viewer: { userId: 'u', sessionId: 's', memberships: { o: 'MEMBER' } } },
          metrics: {},
        } as never);
      const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
      const start = Date.now();
      expect(await ask()).toEqual({ data: { viewer: { id: 'u', name: 'run 1' } } }); // a miss: stored
      await sleepUntil(start + maxAgeMs * 0.8);
      // Served from the cache (still run 1), and refilled behind it.
      expect(await ask()).toEqual({ data: { viewer: { id: 'u', name: 'run 1' } } });
      expect(cached.cache.stats.refresh).toBe(1);
      await sleepUntil(start + maxAgeMs * 1.1);
      // Past the first answer's maximum age: the refill's answer, with no run of its own.
      expect(await ask()).toEqual({ data: { viewer: { id: 'u', name: 'run 2' } } });
      expect(runs).toBe(2);
      expect(cached.cache.stats.miss).toBe(1); // without the refill, this third question was a miss
    } finally {
      await cached.close();
    }
  });
});

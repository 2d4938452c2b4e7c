import { appError, registry, type Viewer } from '@organoise/core';
import { startPrivateRedis, startRedisRelay, testLog, waitFor, type PrivateRedis, type RedisRelay } from '@organoise/core/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { followDomainEvents, type DomainEventFeed } from '../src/events/feed.js';
import type { Authentication, Gate } from '../src/pipeline/gate.js';
import { credentialChangeOf, liveCredentials, type LiveCredentials, type Loss } from '../src/transports/live.js';

// The live credential watches re-checked by the user subgraph's credential events
// (docs/protocols/subscriptions.md, "Credential events"): which watches an event names, that
// their reused look-ups are dropped first, and the polling that takes over while the feed cannot
// be trusted. The identity behind the gate is a stand-in here (the user subgraph's answers, as a
// table the test edits: e2e/credential-events.e2e.ts runs the whole platform); the feed is a real
// Redis connection, through a relay that can go silent.

/** A series' value in this process's metrics (what /metrics serves). */
async function metric(series: string): Promise<number> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const event = (type: string, organizationId: string | null, payload: Record<string, unknown>) => JSON.stringify({ stream: 's', seq: 1, type, organizationId, payload, createdAt: new Date().toISOString() });

describe('credentialChangeOf', () => {
  it('names the principals and organizations an event may change, and nothing for the rest', () => {
    expect(credentialChangeOf(event('membership.removed', 'o', { userId: 'u', role: null }))).toEqual({ principals: ['u'], keysOf: 'o' });
    expect(credentialChangeOf(event('membership.added', 'o', { userId: 'u' }))).toEqual({ principals: ['u'], keysOf: 'o' });
    expect(credentialChangeOf(event('membership.role_changed', 'o', { userId: 'u' }))).toEqual({ principals: ['u'], keysOf: 'o' });
    expect(credentialChangeOf(event('session.ended', null, { userId: 'u', sessionIds: ['s'] }))).toEqual({ principals: ['u'] });
    expect(credentialChangeOf(event('api_key.revoked', 'o', { apiKeyId: 'k' }))).toEqual({ principals: ['k'] });
    expect(credentialChangeOf(event('organization.updated', 'o', { fields: ['ipAllowList'] }))).toEqual({ principals: [], organization: 'o' });
    expect(credentialChangeOf(event('organization.updated', 'o', {}))).toEqual({ principals: [], organization: 'o' });
    expect(credentialChangeOf(event('organization.updated', 'o', { fields: ['name'] }))).toBeNull();
    expect(credentialChangeOf(event('workflow.run.started', 'o', { runId: 'r' }))).toBeNull();
    expect(credentialChangeOf('not json')).toEqual({ principals: [], all: true });
    expect(credentialChangeOf('null')).toEqual({ principals: [], all: true });
  });
});

/** The user subgraph as the gate sees it: who each credential is now, or why it is refused. */
class StandIn {
  readonly now = new Map<string, Viewer | Error>();
  readonly lookups: string[] = [];
  readonly forgotten: string[] = [];
  gate(): Gate {
    return {
      authenticate: async (authorization: string | undefined) => {
        this.lookups.push(authorization!);
        const found = this.now.get(authorization!);
        if (found instanceof Error) throw found;
        return { viewer: found ?? null, expiresAt: null } satisfies Authentication;
      },
      forget: (authorization: string | undefined) => void this.forgotten.push(authorization!),
    } as unknown as Gate;
  }
}

const person = (userId: string, memberships: Record<string, 'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER'>, extra: Partial<Viewer> = {}): Viewer => ({ userId, sessionId: `session-of-${userId}`, memberships, ...extra });

describe('liveCredentials, driven by events', () => {
  const RECHECK_MS = 100;
  const SWEEP_MS = 3_600_000;
  let live: LiveCredentials;
  afterEach(() => live?.close());

  function setUp() {
    const identity = new StandIn();
    live = liveCredentials(identity.gate(), { recheckMs: RECHECK_MS, sweepMs: SWEEP_MS });
    const losses = new Map<string, Loss[]>();
    const open = (authorization: string, viewer: Viewer) => {
      identity.now.set(authorization, viewer);
      const lost: Loss[] = [];
      losses.set(authorization, lost);
      const stop = live.watch(authorization, '127.0.0.1', { viewer, expiresAt: null }, (loss) => lost.push(loss));
      return { lost, stop };
    };
    return { identity, open };
  }

  it('polls every watch at the re-check period until the feed is healthy, then one more round, then only the sweep; back to polling when it is lost', async () => {
    const { identity, open } = setUp();
    open('Bearer a', person('a', { o: 'MEMBER' }));
    expect(live.stats().periodMs).toBe(RECHECK_MS);
    const polledBefore = await metric('organoise_gateway_credential_rechecks_total{cause="poll"}');
    await waitFor(() => identity.lookups.length >= 2, 'the polling');
    expect(await metric('organoise_gateway_credential_rechecks_total{cause="poll"}')).toBeGreaterThanOrEqual(polledBefore + 2);
    expect(await metric('organoise_gateway_credential_recheck_period_seconds')).toBe(RECHECK_MS / 1000);
    live.feed.healthy();
    expect(live.stats().periodMs).toBe(RECHECK_MS);
    await waitFor(() => live.stats().periodMs === SWEEP_MS, 'the sweep to take over');
    expect(await metric('organoise_gateway_credential_recheck_period_seconds')).toBe(SWEEP_MS / 1000);
    live.feed.unhealthy();
    expect(live.stats().periodMs).toBe(RECHECK_MS);
    const polled = identity.lookups.length;
    await waitFor(() => identity.lookups.length > polled, 'the polling again');
  });

  it("re-checks at once the watches an event names, each after forgetting its reused look-up, and no one else's", async () => {
    const { identity, open } = setUp();
    live.feed.healthy();
    await waitFor(() => live.stats().periodMs === SWEEP_MS, 'the sweep');
    const laptop = open('Bearer a1', person('a', { o: 'MEMBER', p: 'VIEWER' }));
    const phone = open('Bearer a2', person('a', { o: 'MEMBER', p: 'VIEWER' }, { sessionId: 'another session of a' }));
    const bystander = open('Bearer b', person('b', { o: 'OWNER' }));
    const keyInO = open('ApiKey ko', person('ko', { o: 'MEMBER' }, { sessionId: 'apikey:ko' }));
    const keyInP = open('ApiKey kp', person('kp', { p: 'MEMBER' }, { sessionId: 'apikey:kp' }));
    const withheld = open('Bearer c', person('c', {}, { deniedOrgs: ['o'] }));
    identity.lookups.length = 0;
    const byEventsBefore = await metric('organoise_gateway_credential_rechecks_total{cause="event"}');

    // a's role in o changes: a's two sessions and o's keys (a key acts for its creator, who may be a).
    identity.now.set('Bearer a1', person('a', { o: 'VIEWER', p: 'VIEWER' }));
    identity.now.set('Bearer a2', person('a', { o: 'VIEWER', p: 'VIEWER' }, { sessionId: 'another session of a' }));
    live.feed.event(event('membership.role_changed', 'o', { userId: 'a', role: 'VIEWER' }), 'organoise:user:user.org:o:members');
    await waitFor(() => identity.lookups.length === 3, 'the re-checks');
    expect(identity.forgotten.sort()).toEqual(['ApiKey ko', 'Bearer a1', 'Bearer a2']);
    expect(identity.lookups.sort()).toEqual(['ApiKey ko', 'Bearer a1', 'Bearer a2']);
    await waitFor(() => laptop.lost.length === 1 && phone.lost.length === 1, 'both sessions to lose');
    expect(laptop.lost[0]!.close).toBe(4403);
    expect(keyInO.lost).toEqual([]);
    expect(await metric('organoise_gateway_credential_rechecks_total{cause="event"}')).toBe(byEventsBefore + 3);

    // A rename changes nobody's rights; another subgraph's event is none of this.
    identity.lookups.length = 0;
    live.feed.event(event('organization.updated', 'o', { fields: ['name'] }), 'c');
    live.feed.event(event('workflow.run.started', 'o', { runId: 'r' }), 'c');
    // o's allow-list: every watch naming o, the withheld one too (a's are gone: they fired).
    live.feed.event(event('organization.updated', 'o', { fields: ['ipAllowList'] }), 'c');
    await waitFor(() => identity.lookups.length === 3, 'the allow-list re-checks');
    expect(identity.lookups.sort()).toEqual(['ApiKey ko', 'Bearer b', 'Bearer c']);

    // A revoked key: that key only; its look-up now refuses it.
    identity.lookups.length = 0;
    identity.now.set('ApiKey kp', appError('API_KEY_REVOKED', 'revoked'));
    live.feed.event(event('api_key.revoked', 'p', { apiKeyId: 'kp' }), 'c');
    await waitFor(() => keyInP.lost.length === 1, 'the key to lose');
    expect(keyInP.lost[0]).toMatchObject({ code: 'API_KEY_REVOKED', close: 4401 });
    expect(identity.lookups).toEqual(['ApiKey kp']);

    // b's sessions ended: b's watch only.
    identity.lookups.length = 0;
    identity.now.set('Bearer b', appError('UNAUTHENTICATED', 'ended'));
    live.feed.event(event('session.ended', null, { userId: 'b', sessionIds: ['session-of-b'] }), 'c');
    await waitFor(() => bystander.lost.length === 1, 'b to lose');
    expect(bystander.lost[0]).toMatchObject({ reason: 'Session ended', close: 4401 });
    expect(identity.lookups).toEqual(['Bearer b']);

    // An event that cannot be read: everyone left.
    identity.lookups.length = 0;
    live.feed.event('{', 'c');
    await waitFor(() => identity.lookups.length === 2, 'everyone to be re-checked');
    expect(identity.lookups.sort()).toEqual(['ApiKey ko', 'Bearer c']);
    expect(live.stats().watches).toBe(2);
    withheld.stop();
    keyInO.stop();
    expect(live.stats().watches).toBe(0);
    live.feed.event('{', 'c');
    expect(identity.lookups).toHaveLength(2);
  });
});

describe('the domain event feed', () => {
  let redis: PrivateRedis;
  let relay: RedisRelay;
  let feed: DomainEventFeed | undefined;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    relay = await startRedisRelay(redis.url);
  });
  afterAll(async () => {
    await feed?.close();
    await relay?.close();
    await redis?.stop();
  });

  it("delivers the pattern's events once healthy, is unhealthy when its connection goes silent, and healthy again (and delivering) once it answers", async () => {
    const seen: string[] = [];
    const health: boolean[] = [];
    feed = followDomainEvents(relay.url, { healthy: () => health.push(true), unhealthy: () => health.push(false), event: (message, channel) => seen.push(`${channel} ${message}`) }, testLog, { pattern: 'organoise:user:*', name: 'test', pingMs: 200 });
    await waitFor(() => feed!.healthy, 'the feed to be healthy', 20_000);
    const publisher = new Redis(redis.url);
    try {
      await publisher.publish('organoise:workflow:workflow.run:r', 'not followed');
      await publisher.publish('organoise:user:user.user:u:sessions', 'followed');
      await waitFor(() => seen.length === 1, 'the followed event', 20_000);
      expect(seen).toEqual(['organoise:user:user.user:u:sessions followed']);

      relay.answers('drop');
      await waitFor(() => !feed!.healthy, 'the silent connection to count as lost', 20_000);
      expect(health).toEqual([true, false]);
      relay.answers('pass');
      await waitFor(() => feed!.healthy, 'the feed to be healthy again', 20_000);
      await publisher.publish('organoise:user:user.org:o:members', 'after');
      await waitFor(() => seen.length === 2, 'an event on the new connection', 20_000);
      expect(health).toEqual([true, false, true]);
    } finally {
      publisher.disconnect();
    }
  });
});

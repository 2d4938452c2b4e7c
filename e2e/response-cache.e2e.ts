import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseUrlsFrom, SUBGRAPH_NAMES } from '@organoise/core';
import { codesOf, createTestDatabase, postGraphQL, startPrivateRedis, startRedisRelay, TEST_INTERNAL_SECRET, testLog, waitFor, type PrivateRedis, type RedisRelay, type TestDatabase } from '@organoise/core/testing';
import { loadSupergraph, startGateway, type RunningGateway } from '@organoise/gateway';
import { startPlatform, type Platform } from '@organoise/platform';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The response cache (docs/decisions/0016-response-cache.md) over the whole platform: the
// subgraphs publish their events on a private redis-server (this test kills it), gateway A caches
// and reaches the subgraphs through proxies that count (and can hold) its fetches, gateway B is a
// second cached replica, and the platform's own gateway, uncached, is the reference.

const ISSUER = 'organoise-e2e';
const DASHBOARD_DOCUMENT = readFileSync(fileURLToPath(new URL('../schema/operations/dashboard.graphql', import.meta.url)), 'utf8');

let redis: PrivateRedis;
let db: TestDatabase;
let fileDir: string;
let platform: Platform;
let a: RunningGateway;
let b: RunningGateway;
let proxies: SubgraphProxy[];
// Between gateway A and Redis: A's event connection, whose answers a test can hold (the connection stays up).
let eventsRelay: RedisRelay;
let ann: Person;
let bob: Person;
let carol: Person;
let orgId: string;
let range: { from: string; to: string };

interface Person {
  id: string;
  token: string;
  email: string;
}

/** A subgraph seen through a proxy that counts the gateway's fetches and can hold them. */
interface SubgraphProxy {
  name: string;
  url: string;
  fetches: number;
  /** Requests held now (while `hold` is set). */
  held: number;
  hold: Promise<void> | null;
  close(): Promise<void>;
}

async function startSubgraphProxy(name: string, target: string): Promise<SubgraphProxy> {
  const proxy: SubgraphProxy = { name, url: '', fetches: 0, held: 0, hold: null, close: async () => {} };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method === 'POST') proxy.fetches++;
    if (proxy.hold) {
      proxy.held++;
      await proxy.hold;
      proxy.held--;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(k))) as Record<string, string>;
    const upstream = await fetch(new URL(req.url ?? '/', target), { method: req.method, headers, ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}) });
    const body = Buffer.from(await upstream.arrayBuffer());
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // The subgraph's own path (its URL names /graphql): the gateway posts to the URL it is given.
  proxy.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}${new URL(target).pathname}`;
  proxy.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return proxy;
}

const cacheOf = (gateway: RunningGateway) => gateway.responseCache!;
const fetchesOfA = () => proxies.reduce((n, p) => n + p.fetches, 0);
const gql = (gateway: { url: string }, query: string, variables: Record<string, unknown>, person: Person, headers: Record<string, string> = {}) =>
  postGraphQL(gateway.url, query, variables, { authorization: `Bearer ${person.token}`, ...headers });
const dashboard = (gateway: { url: string }, person: Person) =>
  fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${person.token}` },
    body: JSON.stringify({ query: DASHBOARD_DOCUMENT, operationName: 'PlatformDashboard', variables: { organizationId: orgId, ...range } }),
  }).then(async (r) => JSON.parse(await r.text()) as { data?: any; errors?: unknown[] });

async function signUp(name: string): Promise<Person> {
  const email = `${name.toLowerCase()}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const res = await postGraphQL(platform.gateway.url, `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, { i: { email, password: `${name} password 123`, name } });
  expect(res.errors).toBeUndefined();
  return { id: res.data!.signUp.user.id, token: res.data!.signUp.accessToken, email };
}

const ACTIVITY = `query Activity($id: ID!, $from: DateTime, $to: DateTime) { organization(id: $id) { id activity(from: $from, to: $to) { eventCount } } }`;
const INGEST = `mutation Ingest($i: IngestEventsInput!) { ingestEvents(input: $i) { accepted } }`;
const ingestOne = (gateway: { url: string }, person: Person) =>
  gql(gateway, INGEST, { i: { organizationId: orgId, events: [{ id: `cache-${Date.now()}-${Math.random()}`, type: 'cache.test', occurredAt: new Date().toISOString() }] } }, person);
const eventCount = async (gateway: { url: string }, person: Person) => {
  const res = await gql(gateway, ACTIVITY, { id: orgId, ...range }, person);
  expect(res.errors).toBeUndefined();
  return res.data!.organization.activity.eventCount as number;
};

beforeAll(async () => {
  redis = await startPrivateRedis();
  db = await createTestDatabase();
  fileDir = mkdtempSync(join(tmpdir(), 'organoise-files-'));
  platform = await startPlatform({
    databaseUrls: databaseUrlsFrom({ DATABASE_URL: db.url }),
    dataDir: 'memory',
    fileStorageDir: fileDir,
    internalTokenSecret: TEST_INTERNAL_SECRET,
    accessTokenIssuer: ISSUER,
    log: testLog,
    redisUrl: redis.url,
  });
  proxies = await Promise.all(SUBGRAPH_NAMES.map((name) => startSubgraphProxy(name, platform.subgraphs[name].url)));
  eventsRelay = await startRedisRelay(redis.url);
  const cached = (subgraphUrls: Record<string, string>, redisUrl: string) =>
    startGateway({
      supergraphSdl: loadSupergraph(),
      subgraphUrls,
      internalTokenSecret: TEST_INTERNAL_SECRET,
      // A long principal cache: a hit then costs no fetch at all (the lookup is not repeated).
      identity: { issuer: ISSUER, principalCacheMs: 60_000 },
      log: testLog,
      trustProxy: 'loopback',
      protection: { rateLimits: false },
      // Liveness pings far apart: tests here hold the event connection's answers on purpose (a PING held
      // as long would stop the cache serving: gateway/test/response-cache-liveness.test.ts).
      responseCache: { redisUrl, maxBytes: 8 * 1024 * 1024, maxAgeMs: 60_000, livenessMs: 600_000 },
    });
  a = await cached(Object.fromEntries(proxies.map((p) => [p.name, p.url])), eventsRelay.url);
  b = await cached(Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, platform.subgraphs[name].url])), redis.url);
  await Promise.all([cacheOf(a).whenServing(), cacheOf(b).whenServing()]);

  ann = await signUp('Ann');
  bob = await signUp('Bob');
  carol = await signUp('Carol');
  const org = await gql(platform.gateway, `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Cached', slug: `cached-${Date.now()}` } }, ann);
  orgId = org.data!.createOrganization.id;
  const invite = await gql(platform.gateway, `mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: orgId, email: bob.email, role: 'MEMBER' } }, ann);
  expect((await gql(platform.gateway, `mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: invite.data!.inviteMember.token }, bob)).errors).toBeUndefined();
  const to = new Date(Date.now() + 3_600_000);
  range = { from: new Date(to.getTime() - 30 * 86_400_000).toISOString(), to: to.toISOString() };
  expect((await ingestOne(platform.gateway, ann)).errors).toBeUndefined();
});

afterAll(async () => {
  await Promise.allSettled([a?.close(), b?.close()]);
  await Promise.allSettled((proxies ?? []).map((p) => p.close()));
  await eventsRelay?.close();
  await platform?.close();
  await db?.drop();
  await redis?.stop();
  if (fileDir) rmSync(fileDir, { recursive: true, force: true });
});

describe('the response cache', () => {
  it('answers the dashboard as the subgraphs do, and a hit reaches no subgraph (POST and GET)', async () => {
    const reference = await dashboard(platform.gateway, ann);
    expect(reference.errors).toBeUndefined();
    const first = await dashboard(a, ann);
    expect(first).toEqual(reference);
    const { hit, store } = cacheOf(a).stats;
    expect(store).toBeGreaterThan(0);
    const before = fetchesOfA();
    expect(await dashboard(a, ann)).toEqual(reference);
    expect(fetchesOfA()).toBe(before);
    expect(cacheOf(a).stats.hit).toBe(hit + 1);

    // GET (Apollo Server's path rather than the lean one) reaches the same cache.
    const params = new URLSearchParams({ query: ACTIVITY, variables: JSON.stringify({ id: orgId, ...range }) });
    const get = () => fetch(`${a.url}?${params}`, { headers: { authorization: `Bearer ${ann.token}`, 'apollo-require-preflight': 'true' } }).then((r) => r.json() as Promise<{ data: unknown }>);
    const viaGet = await get();
    const fetchesAfterFill = fetchesOfA();
    expect(await get()).toEqual(viaGet);
    expect(fetchesOfA()).toBe(fetchesAfterFill);
  });

  it("never answers one caller with another's answer", async () => {
    const WHO = `query Who($id: ID!) { viewer { id name } organization(id: $id) { id viewerRole } }`;
    const annAnswer = await gql(a, WHO, { id: orgId }, ann);
    expect(annAnswer.data).toEqual({ viewer: { id: ann.id, name: 'Ann' }, organization: { id: orgId, viewerRole: 'OWNER' } });
    expect((await gql(a, WHO, { id: orgId }, ann)).data).toEqual(annAnswer.data); // from the cache
    // Same organization, another person and role.
    expect((await gql(a, WHO, { id: orgId }, bob)).data).toEqual({ viewer: { id: bob.id, name: 'Bob' }, organization: { id: orgId, viewerRole: 'MEMBER' } });
    // Not a member: NOT_FOUND, never someone's cached answer.
    expect(codesOf(await gql(a, WHO, { id: orgId }, carol))).toEqual(['NOT_FOUND']);
    // Ann's API key: a principal of its own (its role, VIEWER), never Ann's answer.
    const key = await gql(platform.gateway, `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { organizationId: orgId, name: 'cache', role: 'VIEWER' } }, ann);
    const secret = key.data!.createApiKey.secret as string;
    const ROLE = `query Role($id: ID!) { organization(id: $id) { id viewerRole } }`;
    expect((await gql(a, ROLE, { id: orgId }, ann)).data!.organization.viewerRole).toBe('OWNER');
    for (let i = 0; i < 2; i++) expect((await postGraphQL(a.url, ROLE, { id: orgId }, { authorization: `ApiKey ${secret}` })).data!.organization.viewerRole).toBe('VIEWER');
    expect((await gql(a, ROLE, { id: orgId }, ann)).data!.organization.viewerRole).toBe('OWNER');
  });

  it("keeps an organization refused by its IP allow-list refused, though the same person's answer from inside is cached", async () => {
    // Written through A, which trusts its loopback proxy's X-Forwarded-For (and forgets Carol's principal after each mutation).
    const fenced = await gql(a, `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Fenced', slug: `fenced-${Date.now()}` } }, carol);
    const fencedId = fenced.data!.createOrganization.id as string;
    const set = await gql(a, `mutation($i: SetOrganizationIpAllowListInput!) { setOrganizationIpAllowList(input: $i) { id } }`, { i: { organizationId: fencedId, cidrs: ['10.0.0.0/8'] } }, carol, { 'x-forwarded-for': '10.1.2.3' });
    expect(set.errors).toBeUndefined();
    const NAME = `query Name($id: ID!) { organization(id: $id) { id name } }`;
    const inside = { 'x-forwarded-for': '10.1.2.3' };
    expect((await gql(a, NAME, { id: fencedId }, carol, inside)).data).toEqual({ organization: { id: fencedId, name: 'Fenced' } });
    const stores = cacheOf(a).stats.store;
    expect((await gql(a, NAME, { id: fencedId }, carol, inside)).data).toEqual({ organization: { id: fencedId, name: 'Fenced' } });
    expect(cacheOf(a).stats.store).toBe(stores); // the second came from the cache
    expect(codesOf(await gql(a, NAME, { id: fencedId }, carol, { 'x-forwarded-for': '203.0.113.7' }))).toEqual(['IP_NOT_ALLOWED']);
  });

  it('shows a write through the same gateway in the very next query, even before its event arrives', async () => {
    const before = await eventCount(a, ann);
    expect(await eventCount(a, ann)).toBe(before); // cached
    eventsRelay.answers('hold'); // A's subscription stays up; the events wait
    try {
      expect((await ingestOne(a, ann)).errors).toBeUndefined();
      expect(await eventCount(a, ann)).toBe(before + 1);
    } finally {
      eventsRelay.answers('pass');
    }
  });

  it('shows a write through another replica once its event arrives there', async () => {
    const before = await eventCount(a, ann);
    expect(await eventCount(a, ann)).toBe(before); // cached
    const invalidations = cacheOf(a).stats.invalidation;
    // A subscriber of our own sees the write's event on Redis; A's copy of it is held.
    const subscriber = new Redis(redis.url);
    await subscriber.psubscribe('organoise:analytics:*');
    const published = new Promise<void>((resolve) => subscriber.once('pmessage', () => resolve()));
    eventsRelay.answers('hold');
    try {
      expect((await ingestOne(b, ann)).errors).toBeUndefined();
      await published;
      // The staleness window: until the event reaches A, A answers from its cache.
      expect(await eventCount(a, ann)).toBe(before);
    } finally {
      eventsRelay.answers('pass');
      subscriber.disconnect();
    }
    await waitFor(() => cacheOf(a).stats.invalidation > invalidations, "the write's event to reach gateway A");
    expect(await eventCount(a, ann)).toBe(before + 1);
  });

  it('does not keep an answer whose execution straddled an invalidation', async () => {
    const analytics = proxies.find((p) => p.name === 'analytics')!;
    const before = await eventCount(platform.gateway, ann);
    // Not cached yet under these variables (another range), so this is a fill; hold its analytics fetch.
    const wider = { from: new Date(Date.parse(range.from) - 86_400_000).toISOString(), to: range.to };
    let release!: () => void;
    analytics.hold = new Promise<void>((resolve) => (release = resolve));
    const { store, raced } = cacheOf(a).stats;
    const pending = gql(a, ACTIVITY, { id: orgId, ...wider }, ann);
    try {
      await waitFor(() => analytics.held > 0, 'the fill to reach the analytics subgraph');
      // An event of the organization arrives while the fill runs.
      const invalidations = cacheOf(a).stats.invalidation;
      const publisher = new Redis(redis.url);
      await publisher.publish('organoise:test:cache', JSON.stringify({ stream: 'test', seq: 1, type: 'test.changed', organizationId: orgId, payload: {} }));
      await publisher.quit();
      await waitFor(() => cacheOf(a).stats.invalidation > invalidations, 'the event to reach gateway A');
    } finally {
      analytics.hold = null;
      release();
    }
    expect((await pending).data!.organization.activity.eventCount).toBe(before);
    expect(cacheOf(a).stats.raced).toBe(raced + 1);
    expect(cacheOf(a).stats.store).toBe(store);
    // Not kept: the next one is a fill again.
    const fetches = analytics.fetches;
    await gql(a, ACTIVITY, { id: orgId, ...wider }, ann);
    expect(analytics.fetches).toBeGreaterThan(fetches);
  });

  it('sends a question already being answered to the subgraphs once', async () => {
    const analytics = proxies.find((p) => p.name === 'analytics')!;
    const wider = { from: new Date(Date.parse(range.from) - 2 * 86_400_000).toISOString(), to: range.to };
    let release!: () => void;
    analytics.hold = new Promise<void>((resolve) => (release = resolve));
    const { coalesced } = cacheOf(a).stats;
    const fetches = analytics.fetches;
    const first = gql(a, ACTIVITY, { id: orgId, ...wider }, ann);
    let second: ReturnType<typeof gql> | undefined;
    try {
      await waitFor(() => analytics.held > 0, 'the fill to reach the analytics subgraph');
      second = gql(a, ACTIVITY, { id: orgId, ...wider }, ann);
      await waitFor(() => cacheOf(a).stats.coalesced > coalesced, 'the second request to wait for the first');
    } finally {
      analytics.hold = null;
      release();
    }
    const [one, two] = await Promise.all([first, second!]);
    expect(one.errors).toBeUndefined();
    expect(two).toEqual(one);
    expect(analytics.fetches).toBe(fetches + 1);
  });

  it('never stores what is not cacheable', async () => {
    const { store, miss } = cacheOf(a).stats;
    const cases: [string, Record<string, unknown>, Person][] = [
      [`query { viewer { id email } }`, {}, ann], // a field off the list
      [ACTIVITY, { id: orgId, from: range.from }, ann], // a window ending "now"
      [`query($id: ID!, $from: DateTime) { organization(id: $id) { activity(from: $from) { eventCount } } }`, { id: orgId, from: range.from }, ann],
      [`query($id: ID!) { organization(id: $id) { id name } }`, { id: orgId }, carol], // an error (NOT_FOUND)
      [`query { __schema { queryType { name } } }`, {}, ann], // introspection
      [`query($id: ID!) { organization(id: $id) { files(first: 1) { nodes { id downloadUrl } } } }`, { id: orgId }, ann], // a signed URL
    ];
    for (const [query, variables, person] of cases) {
      await gql(a, query, variables, person);
      await gql(a, query, variables, person);
    }
    expect((await postGraphQL(a.url, `query($id: ID!) { organization(id: $id) { id } }`, { id: orgId })).status).toBeGreaterThanOrEqual(200); // anonymous
    await ingestOne(a, ann); // a mutation
    // The NOT_FOUND case is a cacheable document that missed and was not kept; the others are not even looked up.
    expect(cacheOf(a).stats.store).toBe(store);
    expect(cacheOf(a).stats.miss).toBe(miss + 2);
  });

  it('bypasses the cache while its Redis is down, and flushes before serving again', async () => {
    const ROLE = `query Role($id: ID!) { organization(id: $id) { id viewerRole } }`;
    // Cached: asked until an answer reaches no subgraph. The event of the previous case's write can
    // still be on its way to A and drop the first fill (seen on a loaded machine: one fetch more).
    const fetchesOfAsking = async () => {
      const before = fetchesOfA();
      await gql(a, ROLE, { id: orgId }, bob);
      return fetchesOfA() - before;
    };
    await expect.poll(fetchesOfAsking, { timeout: 20_000 }).toBe(0);
    const fetches = fetchesOfA();
    await redis.stop();
    await waitFor(() => !cacheOf(a).serving, 'gateway A to see its Redis connection drop');
    const bypassed = cacheOf(a).stats.bypass;
    expect((await gql(a, ROLE, { id: orgId }, bob)).data!.organization.viewerRole).toBe('MEMBER');
    expect(fetchesOfA()).toBeGreaterThan(fetches); // from the subgraphs
    expect(cacheOf(a).stats.bypass).toBe(bypassed + 1);
    await redis.start();
    await cacheOf(a).whenServing();
    expect(cacheOf(a).size).toBe(0);
    const afterRestart = fetchesOfA();
    await gql(a, ROLE, { id: orgId }, bob);
    expect(fetchesOfA()).toBeGreaterThan(afterRestart); // flushed: a fill
    const filled = fetchesOfA();
    await gql(a, ROLE, { id: orgId }, bob);
    expect(fetchesOfA()).toBe(filled); // and serving again
  });
});

import { randomUUID } from 'node:crypto';
import { INTERNAL_TOKEN_HEADER, RedisEventPubSub, signInternalToken, type PubSub, type Role, type Viewer } from '@organoise/core';
import { createTestDatabase, subgraphClient, TEST_INTERNAL_SECRET, testEnv, testLog, type TestDatabase, waitFor, watchSubscription as watch, type SubscriptionResult as Result, type SubscriptionWatch as Watch, PUBSUB_IMPLEMENTATIONS, subgraphSocket } from '@organoise/core/testing';
import { and, eq, lte } from 'drizzle-orm';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { events } from '../src/db/schema.js';
import { fileStream, organizationFilesStream } from '../src/domains/files/events.js';
import { EVENT_CHANNEL_PREFIX, startFileSubgraph, SUBGRAPH_NAME, type FileSubgraph } from '../src/index.js';
import { scratchStorage } from './support/storage.js';
import { StandInWorkflowRuns } from './support/runs.js';

// Live subscriptions over a real graphql-ws connection, as the gateway opens them, on each PubSub
// (memory, Redis on 127.0.0.1:6379) and, through the vitest projects, each database.

const MAX_BYTES = 4096;

const FILE_PROCESSED = /* GraphQL */ `
  subscription ($fileId: ID!, $after: String) {
    fileProcessed(fileId: $fileId, after: $after) { cursor type at file { id name currentVersion sha256 size workflowRun { id } } }
  }
`;
const FILES_CHANGED = /* GraphQL */ `
  subscription ($organizationId: ID!, $after: String) {
    filesChanged(organizationId: $organizationId, after: $after) { cursor type file { id name currentVersion } }
  }
`;
const UPLOAD = `mutation($input: UploadFileInput!) { uploadFile(input: $input) { id name sha256 } }`;
const UPLOAD_VERSION = `mutation($input: UploadFileVersionInput!) { uploadFileVersion(input: $input) { id currentVersion sha256 } }`;
const RENAME = `mutation($input: RenameFileInput!) { renameFile(input: $input) { id name } }`;
const ATTACH = `mutation($input: AttachFileToRunInput!) { attachFileToRun(input: $input) { id workflowRun { id } } }`;
const DELETE = `mutation($id: ID!) { deleteFile(id: $id) { deletedFileId } }`;
const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on File { id name } } }`;

type Call = (query: string, variables?: Record<string, unknown>, viewer?: Viewer | null) => Promise<Result>;




const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));
const channel = (stream: string) => `${EVENT_CHANNEL_PREFIX}:${stream}`;
const codes = (w: Watch) => w.results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code));
const codesOfResult = (r: Result) => (r.errors ?? []).map((e) => e.extensions?.code);
const summary = (list: Record<string, any>[]) => list.map((e) => `${e.cursor}:${e.type}`);
const person = (memberships: Record<string, Role>): Viewer => ({ userId: randomUUID(), sessionId: randomUUID(), memberships });
const b64 = (content: string) => Buffer.from(content).toString('base64');

function ok(result: Result): Record<string, any> {
  expect(result.errors).toBeUndefined();
  return Object.values(result.data!)[0] as Record<string, any>;
}

const implementations = PUBSUB_IMPLEMENTATIONS;

describe.each(implementations)('file subscriptions over %s', (pubsubName, createPubSub) => {
  let db: TestDatabase;
  let pubsub: PubSub;
  let server: FileSubgraph;
  let call: Call;
  const runs = new StandInWorkflowRuns();
  const clients: Client[] = [];

  /** A graphql-ws connection carrying the internal token the gateway would sign for `viewer`. */
  function connect(viewer: Viewer | null, url = server.url): Client {
    const client = subgraphSocket(url, SUBGRAPH_NAME, viewer);
    clients.push(client);
    return client;
  }

  /** A fresh organization with its people, so its streams start empty. */
  function organization() {
    const orgId = randomUUID();
    return { orgId, admin: person({ [orgId]: 'ADMIN' }), member: person({ [orgId]: 'MEMBER' }), viewer: person({ [orgId]: 'VIEWER' }) };
  }

  const upload = async (viewer: Viewer, organizationId: string, name = 'report.txt', content = 'hello') =>
    ok(await call(UPLOAD, { input: { organizationId, name, contentType: 'text/plain', contentBase64: b64(content) } }, viewer));

  beforeAll(async () => {
    db = await createTestDatabase();
    pubsub = createPubSub();
    server = await startFileSubgraph({
      database: { url: db.url, dataDir: db.dataDir },
      internalTokenSecret: TEST_INTERNAL_SECRET,
      log: testLog,
      storage: scratchStorage(),
      maxUploadBytes: MAX_BYTES,
      pubsub,
      // A stand-in for the workflow subgraph's answer about runs: these tests start the file subgraph alone.
      workflowRuns: runs,
    });
    call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET) as Call;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await server?.close();
    await pubsub?.close();
    await db?.drop();
  });

  it('delivers the events of a file and of its organization in order, with their types and the file as it is now', async () => {
    const { orgId, admin, member } = organization();
    const client = connect(admin);
    const all = watch(client, FILES_CHANGED, { organizationId: orgId, after: '0' });
    const file = await upload(member, orgId, 'draft.txt', 'first secret words');
    const one = watch(client, FILE_PROCESSED, { fileId: file.id, after: '0' });
    const runId = runs.create(orgId);

    const steps: [(() => Promise<Result>) | null, string, Record<string, unknown>][] = [
      [null, 'file.uploaded', { name: 'draft.txt', currentVersion: 1 }],
      [() => call(UPLOAD_VERSION, { input: { fileId: file.id, contentBase64: b64('second secret words') } }, member), 'file.version.added', { currentVersion: 2 }],
      [() => call(RENAME, { input: { fileId: file.id, name: 'final.txt' } }, admin), 'file.renamed', { name: 'final.txt' }],
      [() => call(ATTACH, { input: { fileId: file.id, workflowRunId: runId } }, member), 'file.attached', {}],
      [() => call(ATTACH, { input: { fileId: file.id, workflowRunId: null } }, member), 'file.attached', {}],
    ];
    for (const [index, [mutate, type, fields]] of steps.entries()) {
      if (mutate) ok(await mutate());
      for (const w of [one, all]) {
        await waitFor(() => w.events().length === index + 1, `event ${index + 1}`);
        expect(w.events()[index]).toMatchObject({ cursor: String(index + 1), type, file: { id: file.id, ...fields } });
      }
    }
    // "Processed": each version arrives stored and hashed.
    expect(one.events()[1]!.file).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), size: 'second secret words'.length });
    expect(one.results.every((r) => !r.errors)).toBe(true);
    expect(Number.isNaN(Date.parse(one.events()[0]!.at))).toBe(false);

    // What the log keeps: ids, the version and the name, never the bytes.
    const logged = await server.services.bus.log.read(fileStream(file.id), 0);
    expect(logged.map((e) => e.organizationId)).toEqual(Array(5).fill(orgId));
    expect(logged[3]!.payload).toEqual({ fileId: file.id, version: 2, name: 'final.txt', workflowRunId: runId, actorId: member.userId });
    expect(logged[4]!.payload).toMatchObject({ workflowRunId: null });
    expect(JSON.stringify(logged)).not.toContain('secret');
    one.stop();
    all.stop();
  });

  it('delivers a deletion with a null file, resumes across it, and refuses a fresh subscription to the deleted file', async () => {
    const { orgId, admin, member } = organization();
    const file = await upload(member, orgId);
    const client = connect(admin);
    const one = watch(client, FILE_PROCESSED, { fileId: file.id, after: '1' });
    const all = watch(client, FILES_CHANGED, { organizationId: orgId, after: '1' });
    ok(await call(DELETE, { id: file.id }, member));
    for (const w of [one, all]) {
      await waitFor(() => w.events().length === 1, 'the deletion');
      expect(w.events()).toEqual([expect.objectContaining({ cursor: '2', type: 'file.deleted', file: null })]);
    }
    expect(one.results.every((r) => !r.errors)).toBe(true);
    // The entity, too, is gone for the gateway.
    expect(ok(await call(ENTITIES, { representations: [{ __typename: 'File', id: file.id }] }, admin))).toEqual([null]);

    // A client that missed the deletion still gets it; one that starts afresh learns nothing.
    const resumed = watch(client, FILE_PROCESSED, { fileId: file.id, after: '0' });
    await waitFor(() => resumed.events().length === 2, 'the replay');
    expect(summary(resumed.events())).toEqual(['1:file.uploaded', '2:file.deleted']);
    expect(resumed.events().map((e) => e.file)).toEqual([null, null]);
    const fresh = watch(client, FILE_PROCESSED, { fileId: file.id });
    await waitFor(() => fresh.ended.complete === true || fresh.ended.error !== undefined, 'the refusal');
    expect(codes(fresh)).toEqual(['NOT_FOUND']);
    const stranger = watch(connect(person({ [randomUUID()]: 'OWNER' })), FILE_PROCESSED, { fileId: file.id, after: '0' });
    await waitFor(() => stranger.ended.complete === true || stranger.ended.error !== undefined, 'the refusal');
    expect(codes(stranger)).toEqual(['NOT_FOUND']);
    for (const w of [one, all, resumed]) w.stop();
  });

  it('delivers a restore after the deletion, with the file again, to both subscriptions, and follows the restored file afresh', async () => {
    const { orgId, admin, member } = organization();
    const file = await upload(member, orgId);
    const client = connect(admin);
    const one = watch(client, FILE_PROCESSED, { fileId: file.id, after: '1' });
    const all = watch(client, FILES_CHANGED, { organizationId: orgId, after: '1' });
    ok(await call(DELETE, { id: file.id }, member));
    ok(await call(`mutation($id: ID!) { restoreFile(id: $id) { id } }`, { id: file.id }, admin));
    for (const w of [one, all]) {
      await waitFor(() => w.events().length === 2, 'the deletion and the restore');
      expect(summary(w.events())).toEqual(['2:file.deleted', '3:file.restored']);
      // The restore's event carries the file as it is now: back.
      expect(w.events()[1]!.file).toMatchObject({ id: file.id });
    }
    // A fresh subscription to the restored file is accepted, and gets its next change.
    const fresh = watch(client, FILE_PROCESSED, { fileId: file.id, after: '3' });
    ok(await call(RENAME, { input: { fileId: file.id, name: 'back.txt' } }, member));
    await waitFor(() => fresh.events().length === 1 || codes(fresh).length > 0, 'the rename');
    expect(summary(fresh.events())).toEqual(['4:file.renamed']);
    for (const w of [one, all, fresh]) w.stop();
  });

  it('delivers without a cursor only the events committed after the subscription started', async () => {
    const { admin, member, orgId } = organization();
    const file = await upload(member, orgId);
    const w = watch(connect(admin), FILE_PROCESSED, { fileId: file.id });
    await waitFor(() => pubsub.activeChannels().includes(channel(fileStream(file.id))), 'the subscription to listen');
    await settle(); // its starting point (the stream's head) is read right after it listens
    ok(await call(RENAME, { input: { fileId: file.id, name: 'renamed.txt' } }, member));
    await waitFor(() => w.events().length === 1, 'the rename');
    expect(summary(w.events())).toEqual(['2:file.renamed']);
    w.stop();
  });

  it('resumes after a cursor with every missed event once, in order, then the live ones', async () => {
    const { orgId, admin, member } = organization();
    const client = connect(admin);
    const first = watch(client, FILES_CHANGED, { organizationId: orgId, after: '0' });
    const a = await upload(member, orgId, 'a.txt');
    await waitFor(() => first.events().length === 1, 'the first upload');
    const cursor = first.events()[0]!.cursor as string;
    first.stop(); // the client goes away...
    const b = await upload(member, orgId, 'b.txt'); // ...and misses these
    ok(await call(RENAME, { input: { fileId: a.id, name: 'a2.txt' } }, member));

    const resumed = watch(client, FILES_CHANGED, { organizationId: orgId, after: cursor });
    await waitFor(() => resumed.events().length === 2, 'the missed events');
    ok(await call(DELETE, { id: b.id }, admin));
    await waitFor(() => resumed.events().length === 3, 'the live event');
    await settle();
    expect(summary(resumed.events())).toEqual(['2:file.uploaded', '3:file.renamed', '4:file.deleted']);
    expect(resumed.events().map((e) => e.file?.name ?? null)).toEqual(['b.txt', 'a2.txt', null]);
    resumed.stop();
  });

  it('refuses a cursor older than the event log keeps with EVENT_LOG_TRUNCATED', async () => {
    const { orgId, admin, member } = organization();
    const file = await upload(member, orgId);
    ok(await call(RENAME, { input: { fileId: file.id, name: 'x.txt' } }, member));
    await server.services.db.delete(events).where(and(eq(events.stream, fileStream(file.id)), lte(events.seq, 1)));
    const w = watch(connect(admin), FILE_PROCESSED, { fileId: file.id, after: '0' });
    await waitFor(() => w.ended.error !== undefined, 'the refusal');
    expect((w.ended.error as Result['errors'])!.map((e) => e.extensions?.code)).toEqual(['EVENT_LOG_TRUNCATED']);
    expect(w.events()).toEqual([]);
  });

  it.each([
    ['a cursor that is not a number', FILE_PROCESSED, { after: 'abc' }],
    ['a negative cursor', FILE_PROCESSED, { after: '-1' }],
    ['a malformed file id', FILE_PROCESSED, { fileId: 'file-1' }],
    ['a malformed organization id', FILES_CHANGED, { organizationId: 'org-1' }],
    ['a cursor with a fraction', FILES_CHANGED, { after: '1.5' }],
  ])('refuses %s with BAD_USER_INPUT', async (_label, query, overrides) => {
    const { orgId, admin, member } = organization();
    const file = await upload(member, orgId);
    const w = watch(connect(admin), query, { fileId: file.id, organizationId: orgId, ...overrides });
    await waitFor(() => w.ended.complete === true || w.ended.error !== undefined, 'the refusal');
    expect(codes(w)).toEqual(['BAD_USER_INPUT']);
  });

  it("refuses another tenant's file and organization with NOT_FOUND, and an anonymous caller with UNAUTHENTICATED, following nothing", async () => {
    const { orgId, member } = organization();
    const file = await upload(member, orgId);
    const stranger = person({ [randomUUID()]: 'OWNER' });
    const attempts: [Viewer | null, string, Record<string, unknown>, string][] = [
      [stranger, FILE_PROCESSED, { fileId: file.id }, 'NOT_FOUND'],
      [stranger, FILE_PROCESSED, { fileId: file.id, after: '0' }, 'NOT_FOUND'],
      [stranger, FILE_PROCESSED, { fileId: randomUUID() }, 'NOT_FOUND'],
      [stranger, FILES_CHANGED, { organizationId: orgId }, 'NOT_FOUND'],
      [stranger, FILES_CHANGED, { organizationId: orgId, after: '0' }, 'NOT_FOUND'],
      [null, FILE_PROCESSED, { fileId: file.id }, 'UNAUTHENTICATED'],
      [null, FILES_CHANGED, { organizationId: orgId }, 'UNAUTHENTICATED'],
    ];
    for (const [viewer, query, variables, code] of attempts) {
      const w = watch(connect(viewer), query, variables);
      await waitFor(() => w.ended.complete === true || w.ended.error !== undefined, `the refusal of ${JSON.stringify(variables)}`);
      expect(codes(w)).toEqual([code]);
      expect(w.events()).toEqual([]);
    }
    const theirs = [fileStream(file.id), organizationFilesStream(orgId)].map(channel);
    expect(pubsub.activeChannels().filter((c) => theirs.includes(c))).toEqual([]);
  });

  it('lets a viewer of the organization follow its files', async () => {
    const { orgId, member, viewer } = organization();
    const w = watch(connect(viewer), FILES_CHANGED, { organizationId: orgId, after: '0' });
    const file = await upload(member, orgId);
    await waitFor(() => w.events().length === 1, 'the upload');
    expect(w.events()[0]).toMatchObject({ type: 'file.uploaded', file: { id: file.id } });
    w.stop();
  });

  it.each([
    ['no internal token', async () => ({})],
    ['a token signed with another secret', async () => ({ [INTERNAL_TOKEN_HEADER]: await signInternalToken('another-secret-0123456789abcdef-xyz', SUBGRAPH_NAME, null) })],
    ['a token addressed to another subgraph', async () => ({ [INTERNAL_TOKEN_HEADER]: await signInternalToken(TEST_INTERNAL_SECRET, 'user', null) })],
  ])('closes a connection with %s with code 4403 before anything runs', async (_label, connectionParams) => {
    const { orgId } = organization();
    const client = createClient({ url: server.url.replace('http', 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams });
    clients.push(client);
    const w = watch(client, FILES_CHANGED, { organizationId: orgId, after: '0' });
    await waitFor(() => w.ended.error !== undefined, 'the close');
    expect((w.ended.error as { code: number }).code).toBe(4403);
    expect(w.results).toEqual([]);
    expect(pubsub.activeChannels()).not.toContain(channel(organizationFilesStream(orgId)));
  });

  it('emits nothing for a refused upload, version, rename, attach or delete: the next event follows the last one without a gap', async () => {
    const { orgId, admin, member, viewer } = organization();
    const file = await upload(member, orgId);
    const client = connect(admin);
    const one = watch(client, FILE_PROCESSED, { fileId: file.id, after: '1' });
    const all = watch(client, FILES_CHANGED, { organizationId: orgId, after: '1' });
    const otherMember = person({ [orgId]: 'MEMBER' });
    const outsider = person({ [randomUUID()]: 'OWNER' });
    const refusals: [Promise<Result>, string][] = [
      [call(UPLOAD, { input: { organizationId: orgId, name: 'x.txt', contentType: 'text/plain', contentBase64: b64('x') } }, viewer), 'FORBIDDEN'],
      [call(UPLOAD, { input: { organizationId: orgId, name: '../x', contentType: 'text/plain', contentBase64: b64('x') } }, member), 'BAD_USER_INPUT'],
      [call(UPLOAD, { input: { organizationId: orgId, name: 'big.bin', contentType: 'text/plain', contentBase64: b64('x'.repeat(MAX_BYTES + 1)) } }, member), 'PAYLOAD_TOO_LARGE'],
      [call(UPLOAD_VERSION, { input: { fileId: file.id, contentBase64: b64('v2') } }, outsider), 'NOT_FOUND'],
      [call(RENAME, { input: { fileId: file.id, name: '' } }, member), 'BAD_USER_INPUT'],
      [call(RENAME, { input: { fileId: file.id, name: 'mine.txt' } }, viewer), 'FORBIDDEN'],
      [call(ATTACH, { input: { fileId: file.id, workflowRunId: randomUUID() } }, outsider), 'NOT_FOUND'],
      [call(DELETE, { id: file.id }, otherMember), 'FORBIDDEN'],
    ];
    for (const [response, code] of refusals) expect(codesOfResult(await response)).toEqual([code]);
    ok(await call(RENAME, { input: { fileId: file.id, name: 'accepted.txt' } }, member));
    for (const w of [one, all]) {
      await waitFor(() => w.events().length === 1, 'the accepted rename');
      expect(summary(w.events())).toEqual(['2:file.renamed']);
    }
    expect((await server.services.bus.log.read(fileStream(file.id), 0)).map((e) => e.type)).toEqual(['file.uploaded', 'file.renamed']);
    expect((await server.services.bus.log.read(organizationFilesStream(orgId), 0)).map((e) => e.type)).toEqual(['file.uploaded', 'file.renamed']);
    one.stop();
    all.stop();
  });

  it('leaves no channel of its streams behind after 200 subscribe and unsubscribe cycles', async () => {
    const { orgId, admin, member } = organization();
    const uploaded = await Promise.all([0, 1, 2].map((i) => upload(member, orgId, `f${i}.txt`)));
    const client = connect(admin);
    const targets: [string, Record<string, unknown>, string][] = [
      ...uploaded.map((f): [string, Record<string, unknown>, string] => [FILE_PROCESSED, { fileId: f.id }, fileStream(f.id)]),
      [FILES_CHANGED, { organizationId: orgId, after: '0' }, organizationFilesStream(orgId)],
      [FILES_CHANGED, { organizationId: orgId }, organizationFilesStream(orgId)],
    ];
    const ours = targets.map(([, , stream]) => channel(stream));
    for (let i = 0; i < 200; i++) {
      const [query, variables, stream] = targets[i % targets.length]!;
      const w = watch(client, query, variables);
      await waitFor(() => pubsub.activeChannels().includes(channel(stream)), `cycle ${i} to listen`);
      w.stop();
    }
    await waitFor(() => pubsub.activeChannels().every((c) => !ours.includes(c)), 'every channel to be released');
    if (pubsubName === 'Redis') {
      await waitFor(async () => (await (pubsub as RedisEventPubSub).redisChannels()).every((c) => !ours.includes(c)), 'Redis to drop every channel');
    }
  });

  it.skipIf(pubsubName !== 'Redis' || testEnv.TEST_DATABASE === 'pglite')(
    'delivers to a subscriber of a second replica (same database, same Redis) the events of mutations sent to the first',
    async () => {
      const replicaPubsub = new RedisEventPubSub(testEnv.TEST_REDIS_URL);
      // No polling: whatever reaches the replica after its catch-up came through Redis.
      const replica = await startFileSubgraph({
        database: { url: db.url },
        internalTokenSecret: TEST_INTERNAL_SECRET,
        log: testLog,
        storage: scratchStorage(),
        pubsub: replicaPubsub,
        eventPollIntervalMs: 0,
      });
      try {
        const { orgId, admin, member } = organization();
        const file = await upload(member, orgId);
        const client = connect(admin, replica.url);
        const one = watch(client, FILE_PROCESSED, { fileId: file.id, after: '1' });
        const all = watch(client, FILES_CHANGED, { organizationId: orgId, after: '1' });
        await waitFor(() => [fileStream(file.id), organizationFilesStream(orgId)].every((s) => replicaPubsub.activeChannels().includes(channel(s))), 'the replica to listen');
        ok(await call(RENAME, { input: { fileId: file.id, name: 'one.txt' } }, member));
        await waitFor(() => one.events().length === 1 && all.events().length === 1, 'the first event on the replica');
        ok(await call(RENAME, { input: { fileId: file.id, name: 'two.txt' } }, member));
        ok(await call(ATTACH, { input: { fileId: file.id, workflowRunId: runs.create(orgId) } }, member));
        for (const w of [one, all]) {
          await waitFor(() => w.events().length === 3, 'the live events on the replica');
          expect(summary(w.events())).toEqual(['2:file.renamed', '3:file.renamed', '4:file.attached']);
        }
        one.stop();
        all.stop();
      } finally {
        await replica.close();
        await replicaPubsub.close();
      }
    },
  );
});

describe('the file event log', () => {
  let db: TestDatabase;
  let server: FileSubgraph;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Half a second of retention: the periodic trim runs every eighth of a second.
    server = await startFileSubgraph({
      database: { url: db.url, dataDir: db.dataDir },
      internalTokenSecret: TEST_INTERNAL_SECRET,
      log: testLog,
      storage: scratchStorage(),
      eventRetentionHours: 0.5 / 3600,
    });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('drops events older than the retention window, and seqs go on from where they were', async () => {
    const call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET) as Call;
    const orgId = randomUUID();
    const member = person({ [orgId]: 'MEMBER' });
    const file = ok(await call(UPLOAD, { input: { organizationId: orgId, name: 'a.txt', contentType: 'text/plain', contentBase64: b64('a') } }, member));
    const log = server.services.bus.log;
    expect(await log.read(fileStream(file.id), 0)).toHaveLength(1);
    await waitFor(async () => (await log.read(fileStream(file.id), 0)).length === 0, 'the trim');
    ok(await call(RENAME, { input: { fileId: file.id, name: 'b.txt' } }, member));
    expect((await log.read(fileStream(file.id), 0)).map((e) => e.seq)).toEqual([2]);
  });
});

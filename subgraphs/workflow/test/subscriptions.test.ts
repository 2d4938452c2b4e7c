import { randomUUID } from 'node:crypto';
import { INTERNAL_TOKEN_HEADER, isLiveAck, LIVE_ACK_REQUEST, RedisEventPubSub, signInternalToken, type PubSub, type Viewer } from '@organoise/core';
import { createTestDatabase, subgraphClient, TEST_INTERNAL_SECRET, testEnv, testLog, type TestDatabase, waitFor, watchSubscription as watch, type SubscriptionResult as Result, type SubscriptionWatch as Watch, PUBSUB_IMPLEMENTATIONS, subgraphSocket } from '@organoise/core/testing';
import { and, eq, lte } from 'drizzle-orm';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { events } from '../src/db/schema.js';
import { organizationRunsStream, organizationTasksStream, runStream } from '../src/domains/runs/events.js';
import { EVENT_CHANNEL_PREFIX, startWorkflowSubgraph, SUBGRAPH_NAME, type WorkflowSubgraph } from '../src/index.js';
import { approvalGraph, createDefinition, ok, startRun, TRANSITION, viewerWith, type Call } from './helpers.js';

// Live subscriptions over a real graphql-ws connection, as the gateway opens them, on each PubSub
// (memory, Redis on 127.0.0.1:6379) and, through the vitest projects, each database.

const RUN_UPDATED = /* GraphQL */ `
  subscription ($runId: ID!, $after: String) {
    workflowRunUpdated(runId: $runId, after: $after) { cursor type at run { id state status } }
  }
`;
const RUNS_CHANGED = /* GraphQL */ `
  subscription ($organizationId: ID!, $after: String) {
    workflowRunsChanged(organizationId: $organizationId, after: $after) { cursor type run { id state status } }
  }
`;
const MY_TASKS_CHANGED = /* GraphQL */ `
  subscription ($organizationId: ID!, $after: String) {
    myTasksChanged(organizationId: $organizationId, after: $after) { cursor type at task { id state status viewerIsAssignee run { id } } }
  }
`;
const CANCEL = /* GraphQL */ `
  mutation ($input: CancelWorkflowRunInput!) {
    cancelWorkflowRun(input: $input) { id status }
  }
`;





const settle = (ms = 150) => new Promise((resolve) => setTimeout(resolve, ms));
const channel = (stream: string) => `${EVENT_CHANNEL_PREFIX}:${stream}`;
const codes = (w: Watch) => w.results.flatMap((r) => (r.errors ?? []).map((e) => e.extensions?.code));
const summary = (list: Record<string, any>[]) => list.map((e) => `${e.cursor}:${e.type}`);

const implementations = PUBSUB_IMPLEMENTATIONS;

describe.each(implementations)('workflow subscriptions over %s', (pubsubName, createPubSub) => {
  let db: TestDatabase;
  let pubsub: PubSub;
  let server: WorkflowSubgraph;
  let call: Call;
  const clients: Client[] = [];

  /** A graphql-ws connection carrying the internal token the gateway would sign for `viewer`. */
  function connect(viewer: Viewer | null, url = server.url): Client {
    const client = subgraphSocket(url, SUBGRAPH_NAME, viewer);
    clients.push(client);
    return client;
  }

  /** A fresh organization with its people and an approval workflow, so its streams start empty. */
  async function organization() {
    const orgId = randomUUID();
    const admin = viewerWith({ [orgId]: 'ADMIN' });
    const member = viewerWith({ [orgId]: 'MEMBER' });
    const definitionId = (await createDefinition(call, admin, { organizationId: orgId, key: 'approval', name: 'Approval', ...approvalGraph() })).id;
    return { orgId, admin, member, definitionId };
  }

  const fire = (runId: string, transition: string, viewer: Viewer, extra: Record<string, unknown> = {}) =>
    call(TRANSITION, { input: { runId, transition, ...extra } }, viewer);

  beforeAll(async () => {
    db = await createTestDatabase();
    pubsub = createPubSub();
    server = await startWorkflowSubgraph({ database: { url: db.url, dataDir: db.dataDir }, internalTokenSecret: TEST_INTERNAL_SECRET, log: testLog, pubsub });
    call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET) as Call;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await server?.close();
    await pubsub?.close();
    await db?.drop();
  });

  it('delivers the events of a run and of its organization in order, with their types and the run as it is now', async () => {
    const { orgId, admin, member, definitionId } = await organization();
    const run = await startRun(call, member, definitionId, { secret: 'not for events' });
    const client = connect(admin);
    const one = watch(client, RUN_UPDATED, { runId: run.id, after: '0' });
    const all = watch(client, RUNS_CHANGED, { organizationId: orgId, after: '0' });

    const steps: [string | null, Viewer, string, string, string][] = [
      [null, member, 'workflow.run.started', 'draft', 'ACTIVE'],
      ['submit', member, 'workflow.run.transitioned', 'review', 'ACTIVE'],
      ['revise', admin, 'workflow.run.transitioned', 'draft', 'ACTIVE'],
      ['submit', member, 'workflow.run.transitioned', 'review', 'ACTIVE'],
      ['approve', admin, 'workflow.run.completed', 'approved', 'COMPLETED'],
    ];
    for (const [index, [transition, viewer, type, state, status]] of steps.entries()) {
      if (transition) ok(await fire(run.id, transition, viewer));
      for (const w of [one, all]) {
        await waitFor(() => w.events().length === index + 1, `event ${index + 1}`);
        expect(w.events()[index]).toMatchObject({ cursor: String(index + 1), type, run: { id: run.id, state, status } });
      }
    }
    expect(one.results.every((r) => !r.errors)).toBe(true);
    expect(Number.isNaN(Date.parse(one.events()[0]!.at))).toBe(false);

    // What the log keeps: ids, states and the actor, never the run's data.
    const logged = await server.services.bus.log.read(runStream(run.id), 0);
    expect(logged.map((e) => e.organizationId)).toEqual(Array(5).fill(orgId));
    expect(logged[1]!.payload).toEqual({ runId: run.id, definitionId, state: 'review', from: 'draft', to: 'review', transition: 'submit', actorId: member.userId });
    expect(JSON.stringify(logged)).not.toContain('not for events');
    one.stop();
    all.stop();
  });

  it('delivers without a cursor only the events committed after the subscription started', async () => {
    const { admin, member, definitionId } = await organization();
    const run = await startRun(call, member, definitionId);
    const w = watch(connect(admin), RUN_UPDATED, { runId: run.id });
    await waitFor(() => pubsub.activeChannels().includes(channel(runStream(run.id))), 'the subscription to listen');
    await settle(); // its starting point (the stream's head) is read right after it listens
    ok(await fire(run.id, 'submit', member));
    await waitFor(() => w.events().length === 1, 'the transition');
    expect(summary(w.events())).toEqual(['2:workflow.run.transitioned']);
    w.stop();
  });

  it("acknowledges a subscription that asks for it once its position is pinned: a commit right after the acknowledgement arrives", async () => {
    const { admin, member, definitionId } = await organization();
    const run = await startRun(call, member, definitionId);
    const client = connect(admin);
    for (const transition of ['submit', 'revise']) {
      const results: Result[] = [];
      let acknowledged!: () => void;
      const ack = new Promise<void>((resolve) => (acknowledged = resolve));
      const stop = client.subscribe(
        { query: RUN_UPDATED, variables: { runId: run.id }, extensions: LIVE_ACK_REQUEST },
        { next: (result) => (isLiveAck(result) ? acknowledged() : results.push(result as Result)), error: () => {}, complete: () => {} },
      );
      await ack; // no settling time: the acknowledgement is the guarantee
      ok(await fire(run.id, transition, transition === 'submit' ? member : admin));
      await waitFor(() => results.length === 1, 'the event committed after the acknowledgement');
      expect(results[0]!.data!.workflowRunUpdated).toMatchObject({ type: 'workflow.run.transitioned' });
      stop();
    }
    // Without the request, no acknowledgement: the first message is the first event.
    const plain = watch(client, RUN_UPDATED, { runId: run.id, after: '0' });
    await waitFor(() => plain.results.length >= 1, 'the replay');
    expect(plain.results[0]!.data!.workflowRunUpdated).toMatchObject({ cursor: '1' });
    plain.stop();
  });

  it('resumes after a cursor with every missed event once, in order, then the live ones', async () => {
    const { admin, member, definitionId } = await organization();
    const run = await startRun(call, member, definitionId);
    const client = connect(admin);
    const first = watch(client, RUN_UPDATED, { runId: run.id, after: '1' });
    ok(await fire(run.id, 'submit', member));
    await waitFor(() => first.events().length === 1, 'the first transition');
    const cursor = first.events()[0]!.cursor as string;
    first.stop(); // the client goes away...
    ok(await fire(run.id, 'revise', admin)); // ...and misses these
    ok(await fire(run.id, 'submit', member));

    const resumed = watch(client, RUN_UPDATED, { runId: run.id, after: cursor });
    await waitFor(() => resumed.events().length === 2, 'the missed events');
    ok(await fire(run.id, 'approve', admin));
    await waitFor(() => resumed.events().length === 3, 'the live event');
    await settle();
    expect(summary(resumed.events())).toEqual(['3:workflow.run.transitioned', '4:workflow.run.transitioned', '5:workflow.run.completed']);
    expect(resumed.events().at(-1)!.run).toMatchObject({ state: 'approved', status: 'COMPLETED' });
    resumed.stop();
  });

  it('refuses a cursor older than the event log keeps with EVENT_LOG_TRUNCATED', async () => {
    const { admin, member, definitionId } = await organization();
    const run = await startRun(call, member, definitionId);
    ok(await fire(run.id, 'submit', member));
    await server.services.db.delete(events).where(and(eq(events.stream, runStream(run.id)), lte(events.seq, 1)));
    const w = watch(connect(admin), RUN_UPDATED, { runId: run.id, after: '0' });
    await waitFor(() => w.ended.error !== undefined, 'the refusal');
    expect((w.ended.error as Result['errors'])!.map((e) => e.extensions?.code)).toEqual(['EVENT_LOG_TRUNCATED']);
    expect(w.events()).toEqual([]);
  });

  it.each([
    ['a cursor that is not a number', { after: 'abc' }],
    ['a negative cursor', { after: '-1' }],
    ['a malformed run id', { runId: 'run-1' }],
  ])('refuses %s with BAD_USER_INPUT', async (_label, overrides) => {
    const { admin, member, definitionId } = await organization();
    const run = await startRun(call, member, definitionId);
    const w = watch(connect(admin), RUN_UPDATED, { runId: run.id, ...overrides });
    await waitFor(() => w.ended.complete === true || w.ended.error !== undefined, 'the refusal');
    expect(codes(w)).toEqual(['BAD_USER_INPUT']);
  });

  it("refuses another tenant's run and organization with NOT_FOUND, and an anonymous caller with UNAUTHENTICATED, following nothing", async () => {
    const { orgId, member, definitionId } = await organization();
    const run = await startRun(call, member, definitionId);
    const stranger = viewerWith({ [randomUUID()]: 'OWNER' });
    const attempts: [Viewer | null, string, Record<string, unknown>, string][] = [
      [stranger, RUN_UPDATED, { runId: run.id }, 'NOT_FOUND'],
      [stranger, RUN_UPDATED, { runId: randomUUID() }, 'NOT_FOUND'],
      [stranger, RUNS_CHANGED, { organizationId: orgId }, 'NOT_FOUND'],
      [stranger, MY_TASKS_CHANGED, { organizationId: orgId }, 'NOT_FOUND'],
      [null, RUN_UPDATED, { runId: run.id }, 'UNAUTHENTICATED'],
      [null, RUNS_CHANGED, { organizationId: orgId }, 'UNAUTHENTICATED'],
      [null, MY_TASKS_CHANGED, { organizationId: orgId }, 'UNAUTHENTICATED'],
    ];
    for (const [viewer, query, variables, code] of attempts) {
      const w = watch(connect(viewer), query, variables);
      await waitFor(() => w.ended.complete === true || w.ended.error !== undefined, `the refusal of ${JSON.stringify(variables)}`);
      expect(codes(w)).toEqual([code]);
      expect(w.events()).toEqual([]);
    }
    const theirs = [runStream(run.id), organizationRunsStream(orgId), organizationTasksStream(orgId)].map(channel);
    expect(pubsub.activeChannels().filter((c) => theirs.includes(c))).toEqual([]);
  });

  it.each([
    ['no internal token', async () => ({})],
    ['a token signed with another secret', async () => ({ [INTERNAL_TOKEN_HEADER]: await signInternalToken('another-secret-0123456789abcdef-xyz', SUBGRAPH_NAME, null) })],
    ['a token addressed to another subgraph', async () => ({ [INTERNAL_TOKEN_HEADER]: await signInternalToken(TEST_INTERNAL_SECRET, 'user', null) })],
  ])('closes a connection with %s with code 4403 before anything runs', async (_label, connectionParams) => {
    const { member, definitionId } = await organization();
    const run = await startRun(call, member, definitionId);
    const client = createClient({ url: server.url.replace('http', 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams });
    clients.push(client);
    const w = watch(client, RUN_UPDATED, { runId: run.id, after: '0' });
    await waitFor(() => w.ended.error !== undefined, 'the close');
    expect((w.ended.error as { code: number }).code).toBe(4403);
    expect(w.results).toEqual([]);
    expect(pubsub.activeChannels()).not.toContain(channel(runStream(run.id)));
  });

  it('emits nothing for a refused transition or cancel: the next event follows the last one without a gap', async () => {
    const { orgId, admin, member, definitionId } = await organization();
    const run = await startRun(call, member, definitionId);
    const client = connect(admin);
    const one = watch(client, RUN_UPDATED, { runId: run.id, after: '1' });
    const all = watch(client, RUNS_CHANGED, { organizationId: orgId, after: '1' });
    const viewerOnly = viewerWith({ [orgId]: 'VIEWER' });
    const otherMember = viewerWith({ [orgId]: 'MEMBER' });
    const refusals: [Promise<Result>, string][] = [
      [fire(run.id, 'approve', admin), 'INVALID_TRANSITION'],
      [fire(run.id, 'submit', member, { expectedState: 'review' }), 'STALE_STATE'],
      [fire(run.id, 'submit', viewerOnly), 'TRANSITION_NOT_ALLOWED'],
      [call(CANCEL, { input: { runId: run.id } }, otherMember), 'FORBIDDEN'],
    ];
    for (const [response, code] of refusals) expect((await response).errors?.map((e) => e.extensions?.code)).toEqual([code]);
    ok(await fire(run.id, 'submit', member));
    for (const w of [one, all]) {
      await waitFor(() => w.events().length === 1, 'the accepted transition');
      expect(summary(w.events())).toEqual(['2:workflow.run.transitioned']);
    }
    expect((await server.services.bus.log.read(runStream(run.id), 0)).map((e) => e.type)).toEqual(['workflow.run.started', 'workflow.run.transitioned']);
    one.stop();
    all.stop();
  });

  it('delivers on myTasksChanged only the tasks assigned to the viewer or to the role they hold', async () => {
    const { orgId, admin, member, definitionId } = await organization();
    const otherMember = viewerWith({ [orgId]: 'MEMBER' });
    const watches = new Map(
      [member, otherMember, admin].map((viewer) => [viewer, watch(connect(viewer), MY_TASKS_CHANGED, { organizationId: orgId, after: '0' })] as const),
    );
    const seen = (viewer: Viewer) => watches.get(viewer)!.events().map((e) => `${e.cursor}:${e.type}:${e.task.state}`);

    const mine = await startRun(call, member, definitionId); // 1: draft task opened for member
    ok(await fire(mine.id, 'submit', member)); // 2: closed, 3: review task opened for admins
    const theirs = await startRun(call, otherMember, definitionId); // 4: draft task opened for otherMember
    ok(await call(CANCEL, { input: { runId: theirs.id } }, admin)); // 5: that task cancelled

    await waitFor(() => seen(otherMember).length === 2 && seen(member).length === 2 && seen(admin).length === 1, 'every task event');
    await settle();
    expect(seen(member)).toEqual(['1:workflow.task.opened:draft', '2:workflow.task.closed:draft']);
    expect(seen(admin)).toEqual(['3:workflow.task.opened:review']);
    expect(seen(otherMember)).toEqual(['4:workflow.task.opened:draft', '5:workflow.task.closed:draft']);
    // A task is shown as it is when the event is delivered, which for a close is after it.
    expect(watches.get(member)!.events()[1]!.task).toMatchObject({ status: 'DONE', viewerIsAssignee: true, run: { id: mine.id } });
    expect(watches.get(otherMember)!.events()[1]!.task).toMatchObject({ status: 'CANCELLED', run: { id: theirs.id } });
    for (const w of watches.values()) w.stop();
  });

  it('leaves no channel of its streams behind after 200 subscribe and unsubscribe cycles', async () => {
    const { orgId, admin, member, definitionId } = await organization();
    const runs = await Promise.all([0, 1, 2].map(() => startRun(call, member, definitionId)));
    const client = connect(admin);
    const targets: [string, Record<string, unknown>, string][] = [
      ...runs.map((r): [string, Record<string, unknown>, string] => [RUN_UPDATED, { runId: r.id }, runStream(r.id)]),
      [RUNS_CHANGED, { organizationId: orgId, after: '0' }, organizationRunsStream(orgId)],
      [MY_TASKS_CHANGED, { organizationId: orgId }, organizationTasksStream(orgId)],
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
      const replica = await startWorkflowSubgraph({ database: { url: db.url }, internalTokenSecret: TEST_INTERNAL_SECRET, log: testLog, pubsub: replicaPubsub, eventPollIntervalMs: 0 });
      try {
        const { orgId, admin, member, definitionId } = await organization();
        const run = await startRun(call, member, definitionId);
        const client = connect(admin, replica.url);
        const one = watch(client, RUN_UPDATED, { runId: run.id, after: '1' });
        const all = watch(client, RUNS_CHANGED, { organizationId: orgId, after: '1' });
        await waitFor(() => [runStream(run.id), organizationRunsStream(orgId)].every((s) => replicaPubsub.activeChannels().includes(channel(s))), 'the replica to listen');
        ok(await fire(run.id, 'submit', member));
        await waitFor(() => one.events().length === 1 && all.events().length === 1, 'the first event on the replica');
        ok(await fire(run.id, 'revise', admin));
        ok(await fire(run.id, 'submit', member));
        for (const w of [one, all]) {
          await waitFor(() => w.events().length === 3, 'the live events on the replica');
          expect(summary(w.events())).toEqual(['2:workflow.run.transitioned', '3:workflow.run.transitioned', '4:workflow.run.transitioned']);
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

describe('the event log', () => {
  let db: TestDatabase;
  let server: WorkflowSubgraph;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Half a second of retention: the periodic trim runs every eighth of a second.
    server = await startWorkflowSubgraph({ database: { url: db.url, dataDir: db.dataDir }, internalTokenSecret: TEST_INTERNAL_SECRET, log: testLog, eventRetentionHours: 0.5 / 3600 });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('drops events older than the retention window, and seqs go on from where they were', async () => {
    const call = subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET) as Call;
    const orgId = randomUUID();
    const admin = viewerWith({ [orgId]: 'ADMIN' });
    const definitionId = (await createDefinition(call, admin, { organizationId: orgId, key: 'approval', name: 'Approval', ...approvalGraph() })).id;
    const run = await startRun(call, admin, definitionId);
    const log = server.services.bus.log;
    expect(await log.read(runStream(run.id), 0)).toHaveLength(1);
    await waitFor(async () => (await log.read(runStream(run.id), 0)).length === 0, 'the trim');
    ok(await call(TRANSITION, { input: { runId: run.id, transition: 'submit' } }, admin));
    expect((await log.read(runStream(run.id), 0)).map((e) => e.seq)).toEqual([2]);
  });
});

import { codesOf, testEnv, waitFor } from '@organoise/core/testing';
import type { UserSubgraph } from '@organoise/subgraph-user';
import { TokenIssuer } from '@organoise/subgraph-user/tokens';
import { decodeJwt } from 'jose';
import { DEMO_ORGANIZATION, DEMO_USERS, seedDemo } from '@organoise/platform';
import { RedisEventPubSub } from '@organoise/core';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestPlatform, type TestPlatform } from './harness.js';

// Live subscriptions through the gateway (docs/protocols/subscriptions.md): real graphql-ws,
// SSE and multipart clients, the workflow subgraph as the source, hydrated from user and file.
let platform: TestPlatform;
const tokens: Record<string, string> = {};
let orgId: string;
let expenseId: string;

const RUN_UPDATES = `subscription RunUpdates($runId: ID!, $after: String) {
  workflowRunUpdated(runId: $runId, after: $after) {
    cursor
    type
    run { state definition { name } startedBy { name } files { nodes { name } } }
  }
}`;

beforeAll(async () => {
  platform = await startTestPlatform({ subscriptions: { authRecheckMs: 100 } });
  await seedDemo(platform.gateway.url);
  Object.assign(tokens, await platform.demoTokens());
  const res = await platform.gql(`{ organizations { nodes { id slug workflows { nodes { id key } } } } }`, {}, tokens.OWNER);
  const org = res.data!.organizations.nodes.find((o: { slug: string }) => o.slug === DEMO_ORGANIZATION.slug);
  orgId = org.id;
  expenseId = org.workflows.nodes.find((w: { key: string }) => w.key === 'expense-approval').id;
});

afterAll(async () => {
  await platform?.stop();
});

async function startRun(token = tokens.MEMBER!) {
  const res = await platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId: expenseId, data: { amount: 10 } } }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.startWorkflowRun.id as string;
}

async function fire(runId: string, transition: string, token: string) {
  const res = await platform.gql(`mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`, { i: { runId, transition } }, token);
  expect(res.errors).toBeUndefined();
}

interface Received {
  events: any[];
  errors: unknown[];
  closeCodes: number[];
  done: Promise<void>;
  stop: () => void;
  client: Client;
}

/** A graphql-ws client, as the web and mobile apps use it, with one subscription. */
function subscribeWs(query: string, variables: Record<string, unknown>, token?: string): Received {
  const closeCodes: number[] = [];
  const client = createClient({
    url: platform.gateway.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: { closed: (event) => void closeCodes.push((event as { code: number }).code) },
  });
  const events: any[] = [];
  const errors: unknown[] = [];
  let stop!: () => void;
  const done = new Promise<void>((resolve) => {
    stop = client.subscribe(
      { query, variables },
      { next: (value) => void events.push(value), error: (error) => (errors.push(error), resolve()), complete: () => resolve() },
    );
  });
  return { events, errors, closeCodes, done, stop, client };
}


/**
 * Waits until the gateway has accepted the subscription (its upstream acknowledged that it is
 * live): from then on every committed event must arrive, with no settling time.
 */
async function ready(received: Received) {
  await waitFor(() => platform.gateway.subscriptions.stats().listeners > 0 || received.errors.length > 0 || received.closeCodes.length > 0, 'the subscription to be accepted');
}

describe('graphql-ws through the gateway', () => {
  it('delivers each run event with fields hydrated from the user and file subgraphs', async () => {
    const runId = (
      await platform.gql(`query($id: ID!) { organization(id: $id) { workflowRuns(first: 50, filter: { state: "draft" }) { nodes { id files { nodes { name } } } } } }`, { id: orgId }, tokens.MEMBER)
    ).data!.organization.workflowRuns.nodes.find((r: { files: { nodes: unknown[] } }) => r.files.nodes.length > 0).id;
    const sub = subscribeWs(RUN_UPDATES, { runId }, tokens.VIEWER);
    await ready(sub);
    await fire(runId, 'submit', tokens.MEMBER!);
    await waitFor(() => sub.events.length === 1, 'the event');
    const event = sub.events[0].data.workflowRunUpdated;
    expect(event.type).toBe('workflow.run.transitioned');
    expect(event.cursor).toMatch(/^\d+$/);
    expect(event.run.state).toBe('submitted');
    expect(event.run.definition).toEqual({ name: 'Expense approval' });
    expect(event.run.startedBy.name).toBeTruthy();
    expect(event.run.files.nodes).toHaveLength(1);
    sub.stop();
    await sub.client.dispose();
  });

  it('resumes from the last cursor after a reconnect: every missed event once, in order, then live ones', async () => {
    const runId = await startRun();
    const first = subscribeWs(RUN_UPDATES, { runId }, tokens.MEMBER);
    await ready(first);
    await fire(runId, 'submit', tokens.MEMBER!);
    await waitFor(() => first.events.length === 1, 'the first event');
    const cursor = first.events[0].data.workflowRunUpdated.cursor;
    first.stop();
    await first.client.dispose(); // the network drops
    await fire(runId, 'request_changes', tokens.ADMIN!);
    await fire(runId, 'submit', tokens.MEMBER!);
    const resumed = subscribeWs(RUN_UPDATES, { runId, after: cursor }, tokens.MEMBER);
    await waitFor(() => resumed.events.length === 2, 'the missed events');
    await fire(runId, 'approve', tokens.ADMIN!);
    await waitFor(() => resumed.events.length === 3, 'the live event');
    const seen = resumed.events.map((e) => e.data.workflowRunUpdated);
    expect(seen.map((e) => Number(e.cursor))).toEqual([Number(cursor) + 1, Number(cursor) + 2, Number(cursor) + 3]);
    expect(seen.map((e) => e.type)).toEqual(['workflow.run.transitioned', 'workflow.run.transitioned', 'workflow.run.completed']);
    resumed.stop();
    await resumed.client.dispose();
  });

  it('refuses a connection with an invalid token with close code 4401', async () => {
    const sub = subscribeWs(RUN_UPDATES, { runId: '00000000-0000-4000-8000-000000000000' }, 'not-a-token');
    await sub.done;
    expect(sub.closeCodes).toEqual([4401]);
    expect(sub.events).toEqual([]);
  });

  it("refuses another tenant's run with NOT_FOUND", async () => {
    const runId = await startRun();
    const email = `stranger-${Date.now()}@example.com`;
    const up = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email, password: 'stranger password', name: 'Stranger' } });
    const sub = subscribeWs(RUN_UPDATES, { runId }, up.data!.signUp.accessToken);
    await waitFor(() => sub.events.length > 0 || sub.errors.length > 0, 'the refusal');
    const errors = (sub.events[0]?.errors ?? sub.errors[0]) as { extensions?: { code?: string } }[];
    expect(errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    sub.stop();
    await sub.client.dispose();
  });

  it('closes the connection with 4401 once the session is signed out', async () => {
    const token = await platform.tokenOf(DEMO_USERS[2].email);
    const runId = await startRun(token);
    const sub = subscribeWs(RUN_UPDATES, { runId }, token);
    await ready(sub);
    await platform.gql(`mutation { signOut }`, {}, token);
    await sub.done;
    expect(sub.closeCodes).toEqual([4401]);
  });

  it('closes the connection with 4401 when the access token expires while it is open', async () => {
    const token = await platform.tokenOf(DEMO_USERS[2].email);
    const { sub, sid } = decodeJwt(token) as { sub: string; sid: string };
    // A token for the same live session that expires two seconds from now.
    const user = platform.subgraphs.user as UserSubgraph;
    const shortLived = new TokenIssuer(user.services.db, { issuer: 'organoise-e2e', ttlSeconds: 2 });
    await shortLived.init();
    const { token: expiring } = await shortLived.sign(sub, sid);
    const runId = await startRun(token);
    const sub1 = subscribeWs(RUN_UPDATES, { runId }, expiring);
    await ready(sub1);
    expect(sub1.closeCodes).toEqual([]);
    await sub1.done;
    expect(sub1.closeCodes).toEqual([4401]);
  });

  it('stops a removed member at once: the connection closes with 4403 and no later event arrives', async () => {
    const email = `leaver-${Date.now()}@example.com`;
    const up = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, { i: { email, password: 'leaver password', name: 'Leaver' } });
    const token = up.data!.signUp.accessToken;
    const invite = await platform.gql(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: orgId, email, role: 'VIEWER' } }, tokens.OWNER);
    await platform.gql(`mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: invite.data!.inviteMember.token }, token);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the new membership reaches the principal cache
    const runId = await startRun();
    const sub = subscribeWs(RUN_UPDATES, { runId }, token);
    await ready(sub);
    await fire(runId, 'submit', tokens.MEMBER!);
    await waitFor(() => sub.events.length === 1, 'an event while a member');
    await platform.gql(`mutation($i: RemoveMemberInput!) { removeMember(input: $i) { removedUserId } }`, { i: { organizationId: orgId, userId: up.data!.signUp.user.id } }, tokens.OWNER);
    await sub.done;
    expect(sub.closeCodes).toEqual([4403]);
    await fire(runId, 'approve', tokens.ADMIN!);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sub.events).toHaveLength(1);
  });

  it('leaves no upstream subscription, connection or channel behind after 1,000 subscribe/unsubscribe cycles', async () => {
    const runId = await startRun();
    const client = createClient({ url: platform.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${tokens.MEMBER}` } });
    for (let i = 0; i < 1000; i++) {
      await new Promise<void>((resolve, reject) => {
        const stop = client.subscribe({ query: RUN_UPDATES, variables: { runId } }, { next: () => {}, error: reject, complete: resolve });
        setImmediate(() => {
          stop();
          resolve();
        });
      });
    }
    await client.dispose();
    await waitFor(() => platform.gateway.subscriptions.stats().topics === 0 && platform.gateway.subscriptions.stats().connections === 0, 'the gateway to let go');
    await waitFor(() => platform.pubsub.activeChannels().length === 0, 'the subgraph to unsubscribe');
    expect(platform.gateway.subscriptions.stats()).toEqual({ topics: 0, connections: 0, listeners: 0 });
  }, 90_000); // 1,000 round trips: correctness, not speed (bench/ measures that)
});

describe('SSE and multipart HTTP through the gateway', () => {
  it('streams events over SSE with the cursor as event id, and resumes from Last-Event-ID', async () => {
    const runId = await startRun();
    const open = (lastEventId?: string) =>
      fetch(platform.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${tokens.MEMBER}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        body: JSON.stringify({ query: RUN_UPDATES, variables: { runId } }),
      });
    const read = async (response: Response, count: number) => {
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const events: { id?: string; data: any }[] = [];
      while (events.length < count) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        let split: number;
        while ((split = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, split);
          text = text.slice(split + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (/^event: next$/m.test(block) && data) events.push({ ...(id ? { id } : {}), data: JSON.parse(data) });
        }
      }
      await reader.cancel();
      return events;
    };
    // The headers mean accepted: the event committed right after them must arrive.
    const first = await open();
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await fire(runId, 'submit', tokens.MEMBER!);
    const [event] = await read(first, 1);
    expect(event!.data.data.workflowRunUpdated.run.state).toBe('submitted');
    expect(event!.id).toBe(event!.data.data.workflowRunUpdated.cursor);
    await fire(runId, 'approve', tokens.ADMIN!);
    const resumed = await read(await open(event!.id), 1);
    expect(resumed.map((e) => e.data.data.workflowRunUpdated.type)).toEqual(['workflow.run.completed']);
  });

  it("streams events as multipart parts in Apollo's subscription format", async () => {
    const runId = await startRun();
    const response = await fetch(platform.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec="1.0", application/json', authorization: `Bearer ${tokens.MEMBER}` },
      body: JSON.stringify({ query: RUN_UPDATES, variables: { runId } }),
    });
    expect(response.headers.get('content-type')).toMatch(/^multipart\/mixed;boundary="graphql"/);
    await fire(runId, 'submit', tokens.MEMBER!);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('workflowRunUpdated')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    const parts = text.split('\r\n--graphql').map((p) => p.split('\r\n\r\n')[1]).filter((p): p is string => !!p && p.includes('payload'));
    expect(JSON.parse(parts[0]!).payload.data.workflowRunUpdated.run.state).toBe('submitted');
  });

  it('refuses an SSE subscription with a bad token with 401 UNAUTHENTICATED', async () => {
    const response = await fetch(platform.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: 'Bearer nope' },
      body: JSON.stringify({ query: RUN_UPDATES, variables: { runId: '00000000-0000-4000-8000-000000000000' } }),
    });
    expect(response.status).toBe(401);
    expect(codesOf({ status: 401, ...((await response.json()) as object) })).toEqual(["UNAUTHENTICATED"]);
  });
});

describe('through Redis', () => {
  it('leaves no upstream subscription or Redis channel behind after 1,000 subscribe/unsubscribe cycles', async () => {
    const redisPlatform = await startTestPlatform({ redis: true });
    try {
      await seedDemo(redisPlatform.gateway.url);
      const token = await redisPlatform.tokenOf(DEMO_USERS[2].email);
      const defs = await redisPlatform.gql(`{ organizations { nodes { workflows { nodes { id key } } } } }`, {}, token);
      const definitionId = defs.data!.organizations.nodes[0].workflows.nodes.find((w: { key: string }) => w.key === 'expense-approval').id;
      const runId = (await redisPlatform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId } }, token)).data!.startWorkflowRun.id;
      const channel = `organoise:workflow:workflow.run:${runId}`;
      const redisChannels = () => (redisPlatform.pubsub as RedisEventPubSub).redisChannels();
      const client = createClient({ url: redisPlatform.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
      // One subscription that stays open proves the channel is really used while subscribed.
      const events: unknown[] = [];
      const keep = client.subscribe({ query: RUN_UPDATES, variables: { runId } }, { next: (v) => void events.push(v), error: () => {}, complete: () => {} });
      await waitFor(() => redisPlatform.pubsub.activeChannels().includes(channel), 'the channel to be subscribed');
      expect(await redisChannels()).toContain(channel);
      keep();
      for (let i = 0; i < 1000; i++) {
        await new Promise<void>((resolve, reject) => {
          const stop = client.subscribe({ query: RUN_UPDATES, variables: { runId } }, { next: () => {}, error: reject, complete: resolve });
          setImmediate(() => {
            stop();
            resolve();
          });
        });
      }
      await client.dispose();
      await waitFor(() => redisPlatform.gateway.subscriptions.stats().topics === 0 && redisPlatform.pubsub.activeChannels().length === 0, 'everything to be released');
      const deadline = Date.now() + 5000;
      while ((await redisChannels()).includes(channel) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await redisChannels()).not.toContain(channel);
      expect(redisPlatform.gateway.subscriptions.stats()).toEqual({ topics: 0, connections: 0, listeners: 0 });
    } finally {
      await redisPlatform.stop();
    }
    // A whole platform, the demo seed and 1,000 cycles: a guard against a hang, not a speed bound
    // (it took up to 86 s with both cores several times oversubscribed).
  }, 180_000);
});

describe.runIf(testEnv.TEST_DATABASE === 'postgres')('replicas sharing Postgres and Redis', () => {
  it('delivers an event caused through one gateway and workflow replica to a subscriber of the other', async () => {
    const a = await startTestPlatform({ redis: true });
    const b = await startTestPlatform({ redis: true, database: a.database });
    try {
      await seedDemo(a.gateway.url);
      const token = await a.tokenOf(DEMO_USERS[2].email);
      const defs = await a.gql(`{ organizations { nodes { workflows { nodes { id key } } } } }`, {}, token);
      const definitionId = defs.data!.organizations.nodes[0].workflows.nodes.find((w: { key: string }) => w.key === 'expense-approval').id;
      const runId = (await a.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId } }, token)).data!.startWorkflowRun.id;
      const events: any[] = [];
      const client = createClient({ url: b.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
      client.subscribe({ query: RUN_UPDATES, variables: { runId } }, { next: (v) => void events.push(v), error: () => {}, complete: () => {} });
      // listeners counts only subscribers whose upstream is live: from then on no event is missed.
      await waitFor(() => b.gateway.subscriptions.stats().listeners > 0, 'the subscription on replica b to be live');
      await a.gql(`mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`, { i: { runId, transition: 'submit' } }, token);
      await waitFor(() => events.length === 1, 'the event on replica b');
      expect(events[0].data.workflowRunUpdated.run.state).toBe('submitted');
      await client.dispose();
    } finally {
      await b.stop();
      await a.stop();
    }
    // Two platforms start inside the test: on a loaded 2-core machine that alone can pass 30 s.
  }, 180_000);
});

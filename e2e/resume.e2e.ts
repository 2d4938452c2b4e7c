import { waitFor } from '@organoise/core/testing';
import { DEMO_ORGANIZATION, seedDemo } from '@organoise/platform';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestPlatform, type TestPlatform } from './harness.js';

// Resuming by cursor through the gateway (docs/protocols/subscriptions.md, sections 3 and 4):
// subscribers of one authorization scope resuming from the same cursor at different moments each
// get every missed event once, in order, then the live ones, over graphql-ws, SSE and multipart,
// and share one live topic (a topic is never keyed by a cursor).
let platform: TestPlatform;
const tokens: Record<string, string> = {};
let orgId: string;
let expenseId: string;

const RUNS = `subscription Runs($org: ID!, $after: String) { workflowRunsChanged(organizationId: $org, after: $after) { cursor type run { id state } } }`;

beforeAll(async () => {
  // Few events replayed at most, so that a cursor from the seed is too far behind.
  platform = await startTestPlatform({ subscriptions: { maxCatchUpEvents: 5 } });
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

async function startRun() {
  const res = await platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId: expenseId, data: { amount: 7 } } }, tokens.MEMBER);
  expect(res.errors).toBeUndefined();
  return res.data!.startWorkflowRun.id as string;
}

interface Subscriber {
  /** Cursors received, in order. */
  cursors: string[];
  errors: unknown[];
  stop: () => Promise<void>;
}

type Transport = (variables: Record<string, unknown>, token: string) => Subscriber;

const graphqlWs: Transport = (variables, token) => {
  const client = createClient({ url: platform.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
  const cursors: string[] = [];
  const errors: unknown[] = [];
  const stopSub = client.subscribe({ query: RUNS, variables }, { next: (v: any) => (v.errors ? errors.push(v.errors) : cursors.push(v.data.workflowRunsChanged.cursor)), error: (e) => void errors.push(e), complete: () => {} });
  return { cursors, errors, stop: async () => (stopSub(), await client.dispose()) };
};

/** A streaming HTTP transport: SSE or multipart, read as it arrives. */
const streaming =
  (accept: string, split: (text: string) => { blocks: string[]; rest: string }, parse: (block: string) => any): Transport =>
  (variables, token) => {
    const cursors: string[] = [];
    const errors: unknown[] = [];
    const abort = new AbortController();
    void (async () => {
      const response = await fetch(platform.gateway.url, {
        method: 'POST',
        signal: abort.signal,
        headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: RUNS, variables }),
      });
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const cut = split(text + decoder.decode(value, { stream: true }));
        text = cut.rest;
        for (const block of cut.blocks) {
          const result = parse(block);
          if (!result) continue;
          if (result.errors) errors.push(result.errors);
          else if (result.data) cursors.push(result.data.workflowRunsChanged.cursor);
        }
      }
    })().catch((error: unknown) => {
      if (!abort.signal.aborted) errors.push(error);
    });
    return { cursors, errors, stop: async () => abort.abort() };
  };

const sse = streaming(
  'text/event-stream',
  (text) => {
    const blocks = text.split('\n\n');
    return { rest: blocks.pop()!, blocks };
  },
  (block) => {
    const data = /^data: (.+)$/m.exec(block)?.[1];
    return /^event: next$/m.test(block) && data ? JSON.parse(data) : undefined;
  },
);

const multipart = streaming(
  'multipart/mixed;subscriptionSpec="1.0", application/json',
  (text) => {
    const blocks = text.split('\r\n--graphql');
    return { rest: blocks.pop()!, blocks };
  },
  (block) => {
    const body = block.split('\r\n\r\n')[1];
    if (!body || !body.includes('payload')) return undefined;
    return JSON.parse(body).payload;
  },
);

async function fire(runId: string, transition: string, token: string) {
  const res = await platform.gql(`mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`, { i: { runId, transition } }, token);
  expect(res.errors).toBeUndefined();
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => String(from + i));

describe.each([
  ['graphql-ws', graphqlWs],
  ['SSE', sse],
  ['multipart', multipart],
] as const)('resuming over %s', (_name, subscribe) => {
  it('gives two subscribers of one scope resuming from the same cursor at different moments every event once, in order, on one live topic', async () => {
    const live = subscribe({ org: orgId }, tokens.MEMBER!);
    await waitFor(() => platform.gateway.subscriptions.stats().listeners > 0, 'the first subscription to be accepted');
    const runId = await startRun();
    await waitFor(() => live.cursors.length === 1, 'the first event');
    const cursor = Number(live.cursors[0]);
    await live.stop();
    // Missed while nobody listened.
    await fire(runId, 'submit', tokens.MEMBER!);
    await fire(runId, 'request_changes', tokens.ADMIN!);

    const a = subscribe({ org: orgId, after: String(cursor) }, tokens.MEMBER!);
    await waitFor(() => a.cursors.length === 2, 'A to catch up');
    await fire(runId, 'submit', tokens.MEMBER!);
    await waitFor(() => a.cursors.length === 3, 'A to get the live event');
    const topics = platform.gateway.subscriptions.stats().topics;
    // B comes later with the same cursor: the same backlog, then the same live topic.
    const b = subscribe({ org: orgId, after: String(cursor) }, tokens.MEMBER!);
    await waitFor(() => b.cursors.length === 3, 'B to catch up');
    expect(platform.gateway.subscriptions.stats().topics).toBe(topics);
    await fire(runId, 'approve', tokens.ADMIN!);
    await waitFor(() => a.cursors.length === 4 && b.cursors.length === 4, 'both to get the next live event');
    // Nothing more arrives (no duplicate trails behind).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a.cursors).toEqual(range(cursor + 1, 4));
    expect(b.cursors).toEqual(range(cursor + 1, 4));
    expect([a.errors, b.errors]).toEqual([[], []]);
    await a.stop();
    await b.stop();
    await waitFor(() => platform.gateway.subscriptions.stats().topics === 0, 'the topic to close');
  });
});

describe('resuming from far behind', () => {
  it('refuses a cursor further behind than the gateway replays with RESUME_TOO_FAR_BEHIND, once, and leaves nothing open', async () => {
    const runId = await startRun();
    await fire(runId, 'submit', tokens.MEMBER!);
    const client = createClient({ url: platform.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${tokens.MEMBER}` } });
    const errors: any[] = [];
    const cursors: string[] = [];
    await new Promise<void>((resolve) => {
      client.subscribe(
        { query: RUNS, variables: { org: orgId, after: '1' } },
        { next: (v: any) => (v.errors ? errors.push(...v.errors) : cursors.push(v.data.workflowRunsChanged.cursor)), error: (e: any) => (errors.push(e), resolve()), complete: () => resolve() },
      );
    });
    expect(cursors).toEqual([]);
    expect(errors.map((e) => e.extensions?.code)).toEqual(['RESUME_TOO_FAR_BEHIND']);
    await client.dispose();
    await waitFor(() => platform.gateway.subscriptions.stats().topics === 0, 'the topic to close');
  });
});

describe('resuming a source that reports no stream positions', () => {
  it('membershipChanged resumes on an upstream of its own: every missed event once, in order, then live ones', async () => {
    const MEMBERS = `subscription($org: ID!, $after: String) { membershipChanged(organizationId: $org, after: $after) { cursor type userId } }`;
    const subscribeMembers = (variables: Record<string, unknown>) => {
      const client = createClient({ url: platform.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${tokens.OWNER}` } });
      const seen: { cursor: string; type: string }[] = [];
      const errors: unknown[] = [];
      const stop = client.subscribe({ query: MEMBERS, variables }, { next: (v: any) => (v.errors ? errors.push(v.errors) : seen.push(v.data.membershipChanged)), error: (e) => void errors.push(e), complete: () => {} });
      return { seen, errors, stop: async () => (stop(), await client.dispose()) };
    };
    const first = subscribeMembers({ org: orgId });
    await waitFor(() => platform.gateway.subscriptions.stats().listeners > 0, 'the subscription to be accepted');
    const email = `resumer-${Date.now()}@example.com`;
    const joiner = (await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, { i: { email, password: 'resumer password 1', name: 'Resumer' } })).data!.signUp;
    const invite = await platform.gql(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: orgId, email, role: 'MEMBER' } }, tokens.OWNER);
    expect((await platform.gql(`mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: invite.data!.inviteMember.token }, joiner.accessToken)).errors).toBeUndefined();
    await waitFor(() => first.seen.length === 1, 'the first event');
    const cursor = Number(first.seen[0]!.cursor);
    await first.stop();
    const role = (r: string) => platform.gql(`mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { role } }`, { i: { organizationId: orgId, userId: joiner.user.id, role: r } }, tokens.OWNER);
    expect((await role('ADMIN')).errors).toBeUndefined();
    expect((await role('MEMBER')).errors).toBeUndefined();
    const resumed = subscribeMembers({ org: orgId, after: String(cursor) });
    await waitFor(() => resumed.seen.length === 2, 'the missed events');
    expect((await role('VIEWER')).errors).toBeUndefined();
    await waitFor(() => resumed.seen.length === 3, 'the live event');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(resumed.seen.map((e) => e.cursor)).toEqual(range(cursor + 1, 3));
    expect(resumed.errors).toEqual([]);
    await resumed.stop();
    await waitFor(() => platform.gateway.subscriptions.stats().topics === 0, 'the topics to close');
  });
});

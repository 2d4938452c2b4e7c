import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codesOf, testLog, waitFor } from '@organoise/core/testing';
import { loadSupergraph, watchSupergraphFile } from '@organoise/gateway';
import { DEMO_ORGANIZATION, seedDemo } from '@organoise/platform';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestPlatform, type TestPlatform } from './harness.js';

// A supergraph reload (docs/protocols/subscriptions.md, section 4): the new schema is in force
// for every later operation and every open subscription ends with a code clients resubscribe on.
let platform: TestPlatform;
const tokens: Record<string, string> = {};
let expenseId: string;

const SUPERGRAPH = loadSupergraph();
const BY_SLUG_FIELD = '  organizationBySlug(slug: String!): Organization @join__field(graph: USER)\n';
/** The committed supergraph without Query.organizationBySlug. */
const WITHOUT_BY_SLUG = SUPERGRAPH.replace(BY_SLUG_FIELD, '');
const BY_SLUG = `query($slug: String!) { organizationBySlug(slug: $slug) { id } }`;

const RUN_UPDATES = `subscription RunUpdates($runId: ID!) {
  workflowRunUpdated(runId: $runId) { cursor type run { state startedBy { name } } }
}`;

beforeAll(async () => {
  expect(WITHOUT_BY_SLUG).not.toBe(SUPERGRAPH);
  platform = await startTestPlatform({ subscriptions: { authRecheckMs: 1000 } });
  await seedDemo(platform.gateway.url);
  Object.assign(tokens, await platform.demoTokens());
  const res = await platform.gql(`query($slug: String!) { organizationBySlug(slug: $slug) { workflows { nodes { id key } } } }`, { slug: DEMO_ORGANIZATION.slug }, tokens.OWNER);
  expenseId = res.data!.organizationBySlug.workflows.nodes.find((w: { key: string }) => w.key === 'expense-approval').id;
});

afterAll(async () => {
  await platform?.stop();
});

async function startRun() {
  const res = await platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId: expenseId, data: { amount: 10 } } }, tokens.MEMBER);
  expect(res.errors).toBeUndefined();
  return res.data!.startWorkflowRun.id as string;
}

async function fire(runId: string, transition: string, token: string) {
  const res = await platform.gql(`mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`, { i: { runId, transition } }, token);
  expect(res.errors).toBeUndefined();
}


const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

/** A graphql-ws client with one subscription; `retry` makes it reconnect and resubscribe as the apps do. */
function subscribeWs(runId: string, retry = false) {
  const closeCodes: number[] = [];
  const events: any[] = [];
  const errors: unknown[] = [];
  const client: Client = createClient({
    url: platform.gateway.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: retry ? 3 : 0,
    retryWait: async () => new Promise((resolve) => setTimeout(resolve, 50)),
    connectionParams: { authorization: `Bearer ${tokens.MEMBER}` },
    on: { closed: (event) => void closeCodes.push((event as { code: number }).code) },
  });
  const stop = client.subscribe({ query: RUN_UPDATES, variables: { runId } }, { next: (value) => void events.push(value), error: (error) => void errors.push(error), complete: () => {} });
  return { client, closeCodes, events, errors, stop };
}

describe('reloading the supergraph', () => {
  it('closes every open graphql-ws subscription with 4503 and lets go of its upstreams', async () => {
    const runId = await startRun();
    const sub = subscribeWs(runId);
    await waitFor(() => platform.gateway.subscriptions.stats().topics === 1, 'the subscription to start');
    const before = platform.gateway.subscriptions;
    await platform.gateway.reloadSupergraph(SUPERGRAPH);
    await waitFor(() => sub.closeCodes.length > 0, 'the close');
    expect(sub.closeCodes).toEqual([4503]);
    expect(platform.gateway.subscriptions).not.toBe(before);
    expect(before.stats()).toEqual({ topics: 0, connections: 0, listeners: 0 });
    expect(platform.gateway.subscriptions.stats()).toEqual({ topics: 0, connections: 0, listeners: 0 });
    await waitFor(() => platform.pubsub.activeChannels().length === 0, 'the subgraph to unsubscribe');
    await sub.client.dispose();
  });

  it('ends an open SSE stream with a final SCHEMA_RELOADED error and a multipart one likewise', async () => {
    const runId = await startRun();
    const open = (accept: string) =>
      fetch(platform.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${tokens.MEMBER}` },
        body: JSON.stringify({ query: RUN_UPDATES, variables: { runId } }),
      });
    const sse = await open('text/event-stream');
    const multipart = await open('multipart/mixed;subscriptionSpec="1.0", application/json');
    await waitFor(() => platform.gateway.subscriptions.stats().listeners === 2, 'both streams');
    const before = platform.gateway.subscriptions;
    await platform.gateway.reloadSupergraph(SUPERGRAPH);
    // Both bodies end (read to the end without cancelling) after their final error.
    const sseText = await sse.text();
    const multipartText = await multipart.text();
    const sseData = [...sseText.matchAll(/^data: (.+)$/gm)].map((m) => JSON.parse(m[1]!));
    expect(sseData.map((d) => codesOf(d))).toEqual([['SCHEMA_RELOADED']]);
    expect(sseText.trimEnd().endsWith('event: complete\ndata:')).toBe(true);
    const parts = multipartText.split('\r\n--graphql').map((p) => p.split('\r\n\r\n')[1]).filter((p): p is string => !!p && p.includes('errors'));
    expect(parts.map((p) => JSON.parse(p))).toEqual([{ payload: null, errors: [expect.objectContaining({ extensions: { code: 'SCHEMA_RELOADED' } })] }]);
    expect(multipartText.endsWith('\r\n--graphql--\r\n')).toBe(true);
    expect(before.stats()).toEqual({ topics: 0, connections: 0, listeners: 0 });
  });

  it('a graphql-ws client that retries resubscribes after the 4503 and gets the next events', async () => {
    const runId = await startRun();
    const sub = subscribeWs(runId, true);
    await waitFor(() => platform.gateway.subscriptions.stats().topics === 1, 'the subscription to start');
    await platform.gateway.reloadSupergraph(SUPERGRAPH);
    await waitFor(() => sub.closeCodes.includes(4503), 'the close');
    // listeners counts only subscribers whose upstream is live: from then on no event is missed.
    await waitFor(() => platform.gateway.subscriptions.stats().listeners === 1, 'the resubscription to be live');
    await settle();
    await fire(runId, 'submit', tokens.MEMBER!);
    await waitFor(() => sub.events.length === 1, 'the event after the reload');
    expect(sub.events[0].data.workflowRunUpdated).toMatchObject({ type: 'workflow.run.transitioned', run: { state: 'submitted', startedBy: { name: expect.any(String) } } });
    expect(sub.errors).toEqual([]);
    sub.stop();
    await sub.client.dispose();
    await waitFor(() => platform.gateway.subscriptions.stats().connections === 0, 'the upstream to close');
    expect(platform.gateway.subscriptions.stats()).toEqual({ topics: 0, connections: 0, listeners: 0 });
  });

  it('plans later operations on the new supergraph: a field it lacks is GRAPHQL_VALIDATION_FAILED over HTTP, SSE and graphql-ws', async () => {
    expect((await platform.gql(BY_SLUG, { slug: DEMO_ORGANIZATION.slug }, tokens.MEMBER)).errors).toBeUndefined();
    await platform.gateway.reloadSupergraph(WITHOUT_BY_SLUG);
    try {
      const res = await platform.gql(BY_SLUG, { slug: DEMO_ORGANIZATION.slug }, tokens.MEMBER);
      expect(codesOf(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect((await platform.gql(`{ organizations { nodes { slug } } }`, {}, tokens.MEMBER)).data!.organizations.nodes).toContainEqual({ slug: DEMO_ORGANIZATION.slug });
      const overSse = await fetch(platform.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${tokens.MEMBER}` },
        body: JSON.stringify({ query: BY_SLUG, variables: { slug: DEMO_ORGANIZATION.slug } }),
      });
      expect(overSse.status).toBe(400);
      expect(codesOf((await overSse.json()) as never)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      const client = createClient({ url: platform.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${tokens.MEMBER}` } });
      const overWs = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: BY_SLUG, variables: { slug: DEMO_ORGANIZATION.slug } }, { next: resolve, error: resolve, complete: () => {} });
      });
      await client.dispose();
      expect((overWs as { extensions: { code: string } }[]).map((e) => e.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    } finally {
      await platform.gateway.reloadSupergraph(SUPERGRAPH);
    }
    expect((await platform.gql(BY_SLUG, { slug: DEMO_ORGANIZATION.slug }, tokens.MEMBER)).errors).toBeUndefined();
  });

  it('refuses a supergraph that does not build and keeps serving the current one, subscriptions included', async () => {
    const runId = await startRun();
    const sub = subscribeWs(runId);
    await waitFor(() => platform.gateway.subscriptions.stats().listeners === 1, 'the subscription to be live');
    const before = platform.gateway.subscriptions;
    await expect(platform.gateway.reloadSupergraph('type Query { nothing: Int }')).rejects.toThrow();
    expect(platform.gateway.subscriptions).toBe(before);
    await settle();
    await fire(runId, 'submit', tokens.MEMBER!);
    await waitFor(() => sub.events.length === 1, 'the event');
    expect(sub.closeCodes).toEqual([]);
    expect((await platform.gql(BY_SLUG, { slug: DEMO_ORGANIZATION.slug }, tokens.MEMBER)).errors).toBeUndefined();
    sub.stop();
    await sub.client.dispose();
  });

  it('reloads from the supergraph file when it changes and on SIGHUP, ignoring a rewrite with the same text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'organoise-supergraph-'));
    const path = join(dir, 'supergraph.graphql');
    writeFileSync(path, SUPERGRAPH);
    let reloads = 0;
    const counting = {
      reloadSupergraph: async (sdl: string) => {
        await platform.gateway.reloadSupergraph(sdl);
        reloads++;
      },
    };
    const stop = watchSupergraphFile(path, counting, testLog, { intervalMs: 20, debounceMs: 20 });
    try {
      await settle(); // the watcher's first poll, the baseline a change is measured against
      writeFileSync(path, WITHOUT_BY_SLUG);
      await waitFor(() => reloads === 1, 'the reload on change');
      expect(codesOf(await platform.gql(BY_SLUG, { slug: DEMO_ORGANIZATION.slug }, tokens.MEMBER))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      process.emit('SIGHUP');
      await settle();
      expect(reloads).toBe(1); // the same text: no reload, no subscription ended
      writeFileSync(path, SUPERGRAPH);
      process.emit('SIGHUP');
      await waitFor(() => reloads === 2, 'the reload on SIGHUP');
      await settle();
      expect(reloads).toBe(2); // the file change that follows finds the text already served
      expect((await platform.gql(BY_SLUG, { slug: DEMO_ORGANIZATION.slug }, tokens.MEMBER)).errors).toBeUndefined();
    } finally {
      stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

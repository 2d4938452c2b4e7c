import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@organoise/core/testing';
import { DEMO_ORGANIZATION, DEMO_USERS, seedDemo } from '@organoise/platform';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { startTestPlatform, type TestPlatform } from './harness.js';

// Browsers on another origin (a Vite dev server, a customer's web app), in real Chromium: a page
// on a listed origin queries (POST with a preflight, and GET) and subscribes over graphql-ws; a
// page on an unlisted one can do neither. docs/decisions/0006-cross-origin-and-get.md.
let platform: TestPlatform;
let browser: Browser;
let token: string;
let expenseId: string;
const pages: http.Server[] = [];
let listed: string;
let unlisted: string;

/** A web server of its own origin serving one blank page, as a dev server would. */
async function origin(): Promise<string> {
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pages.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  listed = await origin();
  unlisted = await origin();
  platform = await startTestPlatform({ gateway: { corsOrigins: [listed] } });
  await seedDemo(platform.gateway.url);
  const member = DEMO_USERS.find((u) => u.role === 'MEMBER')!;
  token = await platform.tokenOf(member.email);
  const res = await platform.gql(`{ organizations { nodes { slug workflows { nodes { id key } } } } }`, {}, token);
  const org = res.data!.organizations.nodes.find((o: { slug: string }) => o.slug === DEMO_ORGANIZATION.slug);
  expenseId = org.workflows.nodes.find((w: { key: string }) => w.key === 'expense-approval').id;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  for (const server of pages) server.close();
});

async function pageOn(url: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  return page;
}

const QUERY = `query Orgs { organizations { nodes { name workflows { nodes { key } } } } }`;

/** What a page's script gets from the gateway: fetch's answer, or the error the browser raised. */
function fetchFrom(page: Page, url: string, init: { method: string; headers: Record<string, string>; body?: string }) {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const response = await fetch(url, init);
        return { status: response.status, body: await response.json() };
      } catch (error) {
        return { failed: String(error) };
      }
    },
    { url, init },
  );
}

/** A graphql-ws subscription opened by the page's own script (the protocol by hand, as a browser bundle would). */
function subscribeFrom(page: Page, url: string, query: string, variables: Record<string, unknown>, bearer: string) {
  return page.evaluate(
    ({ url, query, variables, bearer }) => {
      const state = { events: [] as unknown[], closed: null as number | null, acked: false };
      (globalThis as unknown as { live: typeof state }).live = state;
      // The browser's WebSocket (the bare name is this file's `ws` import once compiled).
      const socket = new globalThis.WebSocket(url, 'graphql-transport-ws');
      socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${bearer}` } }));
      socket.onclose = (event) => void (state.closed = event.code);
      socket.onmessage = (event) => {
        const message = JSON.parse(String(event.data));
        if (message.type === 'connection_ack') {
          state.acked = true;
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
        }
        if (message.type === 'next') state.events.push(message.payload);
      };
    },
    { url, query, variables, bearer },
  );
}

const liveState = (page: Page) => page.evaluate(() => (globalThis as unknown as { live: { events: any[]; closed: number | null; acked: boolean } }).live);

describe('a page on a listed origin', () => {
  it('queries with POST (preflighted for Authorization and JSON) and with GET, and reads the answers', async () => {
    const page = await pageOn(listed);
    const post = await fetchFrom(page, platform.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(post).toMatchObject({ status: 200 });
    expect((post as { body: any }).body.data.organizations.nodes.map((o: { name: string }) => o.name)).toContain(DEMO_ORGANIZATION.name);
    const get = await fetchFrom(page, `${platform.gateway.url}?query=${encodeURIComponent(QUERY)}`, { method: 'GET', headers: { authorization: `Bearer ${token}` } });
    expect(get).toMatchObject({ status: 200 });
    expect((get as { body: any }).body.data.organizations.nodes[0].workflows.nodes.length).toBeGreaterThan(0);
    await page.context().close();
  });

  it('subscribes over graphql-ws and receives the event a mutation commits', async () => {
    const runId = (await platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId: expenseId } }, token)).data!.startWorkflowRun.id;
    const page = await pageOn(listed);
    const before = platform.gateway.subscriptions.stats().listeners;
    await subscribeFrom(page, platform.gateway.url.replace(/^http/, 'ws'), `subscription($r: ID!) { workflowRunUpdated(runId: $r) { cursor run { state } } }`, { r: runId }, token);
    await waitFor(() => platform.gateway.subscriptions.stats().listeners > before, 'the page subscription to be accepted');
    await platform.gql(`mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`, { i: { runId, transition: 'submit' } }, token);
    await expect.poll(async () => (await liveState(page)).events.length, { timeout: 10_000 }).toBe(1);
    expect((await liveState(page)).events[0].data.workflowRunUpdated.run.state).toBe('submitted');
    await page.context().close();
  });
});

describe('a page on an unlisted origin', () => {
  it('cannot read a query answer: the preflight is refused and the browser stops the request', async () => {
    const page = await pageOn(unlisted);
    const post = await fetchFrom(page, platform.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(post).toHaveProperty('failed');
    await page.context().close();
  });

  it('cannot open a WebSocket to the gateway', async () => {
    const page = await pageOn(unlisted);
    await subscribeFrom(page, platform.gateway.url.replace(/^http/, 'ws'), `subscription { __typename }`, {}, token);
    await expect.poll(async () => (await liveState(page)).closed, { timeout: 10_000 }).not.toBeNull();
    expect((await liveState(page)).acked).toBe(false);
    await page.context().close();
  });
});

describe('CORS on the wire', () => {
  it('answers a preflight from a listed origin with 204 before the CSRF rule, naming the origin and the requested headers', async () => {
    const response = await fetch(platform.gateway.url, {
      method: 'OPTIONS',
      headers: { origin: listed, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(listed);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(response.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(response.headers.get('vary')).toMatch(/Origin/);
  });

  it('refuses a preflight from an unlisted origin with 403 ORIGIN_NOT_ALLOWED and no Access-Control-Allow-* header', async () => {
    const response = await fetch(platform.gateway.url, { method: 'OPTIONS', headers: { origin: unlisted, 'access-control-request-method': 'POST' } });
    expect(response.status).toBe(403);
    expect([...response.headers.keys()].filter((h) => h.startsWith('access-control-allow'))).toEqual([]);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('ORIGIN_NOT_ALLOWED');
  });

  it('gives no CORS header to an unlisted origin, and the allow-origin header to a listed one, on ordinary answers too', async () => {
    const ask = (origin: string) => fetch(platform.gateway.url, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect((await ask(listed)).headers.get('access-control-allow-origin')).toBe(listed);
    expect((await ask(unlisted)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a WebSocket upgrade from an unlisted origin with 403 ORIGIN_NOT_ALLOWED; one without Origin (not a browser) or from the listed one opens', async () => {
    const wsUrl = platform.gateway.url.replace(/^http/, 'ws');
    const open = (headers: Record<string, string>) =>
      new Promise<{ opened: true } | { status: number; body: string }>((resolve) => {
        const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { headers });
        socket.on('open', () => (socket.close(), resolve({ opened: true })));
        socket.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
      });
    const refused = await open({ origin: unlisted });
    expect(refused).toMatchObject({ status: 403 });
    expect(JSON.parse((refused as { body: string }).body).errors[0].extensions.code).toBe('ORIGIN_NOT_ALLOWED');
    expect(await open({})).toEqual({ opened: true });
    expect(await open({ origin: listed })).toEqual({ opened: true });
  });
});

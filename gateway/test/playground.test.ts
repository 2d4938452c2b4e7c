import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv } from '@organoise/core/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PLAYGROUND_DIR } from '../src/playground.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../src/index.js';
import { startUserGraph, type UserGraph } from './harness.js';

// The playground in a real browser: Chromium from the OS (Debian package `chromium`), driven by
// playwright-core, against a gateway over the user subgraph.
const CHROMIUM = testEnv.CHROMIUM_PATH;
// What a browser sends when the user types the URL in the address bar.
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

let graph: UserGraph;
let gateway: RunningGateway;
let browser: Browser;
let gatewayOptions: GatewayOptions;
const extraGateways: RunningGateway[] = [];

beforeAll(async () => {
  // Building is the developer's (and CI's) job; the test builds only so that it can run alone.
  if (!existsSync(join(DEFAULT_PLAYGROUND_DIR, 'index.html'))) {
    execFileSync('npm', ['run', 'build', '-w', '@organoise/playground'], { cwd: join(import.meta.dirname, '../..'), stdio: 'inherit' });
  }
  graph = await startUserGraph();
  gatewayOptions = graph.gatewayOptions;
  gateway = await startGateway({ ...gatewayOptions, playground: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  for (const extra of extraGateways) await extra.close();
  await gateway?.close();
  await graph?.close();
});

async function startExtraGateway(options: Partial<GatewayOptions>) {
  const extra = await startGateway({ ...gatewayOptions, ...options });
  extraGateways.push(extra);
  return extra;
}

/** Opens the playground and records every URL the page asks for, to prove nothing leaves the machine. */
async function openPlayground() {
  const context = await browser.newContext();
  const requested: string[] = [];
  context.on('request', (request) => requested.push(request.url()));
  const page = await context.newPage();
  // Uncaught exceptions and console errors, which include content security policy violations.
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  const response = await page.goto(gateway.url);
  expect(response?.status()).toBe(200);
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
  return { page, requested, pageErrors, close: () => context.close() };
}

type CodeMirrorElement = { CodeMirror: { setValue(value: string): void; getValue(): string } };
const setEditor = (page: Page, selector: string, value: string) =>
  page.locator(selector).evaluate((element, v) => (element as unknown as CodeMirrorElement).CodeMirror.setValue(v), value);
const responseText = (page: Page) =>
  page.locator('.graphiql-response .CodeMirror').evaluate((element) => (element as unknown as CodeMirrorElement).CodeMirror.getValue());

const offMachine = (urls: string[]) =>
  urls.filter((url) => {
    const { protocol, hostname } = new URL(url);
    // data: and blob: URLs are made by the page itself; anything with a host must be this gateway.
    return !['data:', 'blob:'].includes(protocol) && hostname !== '127.0.0.1';
  });

describe('the playground in a browser', () => {
  it('runs a query typed in GraphiQL and shows the result, fetching nothing from outside 127.0.0.1', async () => {
    const { page, requested, pageErrors, close } = await openPlayground();
    try {
      expect(await page.title()).toBe('OrgaNoise playground');
      await setEditor(page, '.graphiql-query-editor .CodeMirror', '{ viewer { id } }');
      await page.locator('.graphiql-execute-button').click();
      await expect.poll(() => responseText(page)).toContain('"viewer": null');
      await page.screenshot({ path: '/tmp/playground.png' });

      expect(offMachine(requested)).toEqual([]);
      // The bundle, its stylesheet and at least one query (schema introspection, then ours).
      expect(requested.some((url) => url.includes('/playground/assets/') && url.endsWith('.js'))).toBe(true);
      expect(requested.some((url) => url.includes('/playground/assets/') && url.endsWith('.css'))).toBe(true);
      expect(pageErrors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('sends the headers typed in the header editor, so a pasted bearer token reaches the gateway', async () => {
    const { page, close } = await openPlayground();
    try {
      await page.getByRole('button', { name: 'Headers' }).click();
      await setEditor(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror', '{ "Authorization": "Bearer not-a-real-token" }');
      await setEditor(page, '.graphiql-query-editor .CodeMirror', '{ viewer { id } }');
      await page.locator('.graphiql-execute-button').click();
      // The gateway refused the token: proof that the header left the page with the request.
      await expect.poll(() => responseText(page)).toContain('UNAUTHENTICATED');
    } finally {
      await close();
    }
  });
});

describe('the playground over HTTP', () => {
  it('leaves a GET query from a client that asks for JSON to Apollo', async () => {
    const url = new URL(gateway.url);
    url.searchParams.set('query', '{ __typename }');
    // Apollo's CSRF prevention wants a preflight-forcing header on GET; API clients send one.
    const response = await fetch(url, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('leaves a GET from a client that names no media type to Apollo', async () => {
    const response = await fetch(gateway.url, { headers: { accept: '*/*' } });
    expect(response.headers.get('content-type')).not.toMatch(/text\/html/);
  });

  it('serves the page to a browser with a same-origin-only content security policy, and its assets as immutable', async () => {
    const page = await fetch(gateway.url, { headers: { accept: BROWSER_ACCEPT } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    const script = /src="\.\/(playground\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(new URL(script!, gateway.url));
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it('does not serve the playground to a browser when the playground is off', async () => {
    const plain = await startExtraGateway({ playground: false });
    const response = await fetch(plain.url, { headers: { accept: BROWSER_ACCEPT } });
    expect(response.headers.get('content-type')).not.toMatch(/text\/html/);
    expect(await response.text()).not.toContain('OrgaNoise playground');
    const asset = await fetch(new URL('/playground/assets/missing.js', plain.url));
    expect(asset.status).toBe(404);
  });

  it('tells a browser how to build the playground when it has not been built, with 503', async () => {
    const unbuilt = await startExtraGateway({ playground: true, playgroundDir: join(DEFAULT_PLAYGROUND_DIR, 'no-such-build') });
    const response = await fetch(unbuilt.url, { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build -w @organoise/playground');
    // The graph itself still answers.
    const query = await fetch(unbuilt.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(await query.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { codesOf, testEnv } from '@organoise/core/testing';
import { DEMO_PASSWORD, DEMO_USERS } from '@organoise/platform';
import { totpAt } from '@organoise/subgraph-user/totp';
import { getOperationAST, parse } from 'graphql';
import { createClient } from 'graphql-ws';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { useWebE2e, WAIT as TIMEOUT } from './browser.js';
import { startTestPlatform, type TestPlatform } from './harness.js';

// The web app as people use it, in real Chromium against the whole platform served by the
// gateway (the app and its API on one origin): one person signs in with a second factor, builds a
// workflow and starts a run; another member, in a browser of their own, takes a step and the
// first sees the run change live. One run is enough: the app does not touch the database, so it
// runs on Postgres only.
// A story of many steps across two browsers: on a loaded 2-core machine it takes three times as
// long as on a quiet one (about 12 s), so it gets more than vitest's default 30 s.
const STORY_TIMEOUT = 120_000;

describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('the web app', () => {
  const web = useWebE2e({ demo: true });
  // Uncaught exceptions, console errors (content security policy violations among them) and
  // axe-core's serious and critical violations, run in each screen as it is photographed: each fails the case.
  const { findings: problems, open: openApp, photograph: shot } = web;
  const signIn = (page: Page, email: string, secondFactor?: string) => web.signIn(page, email, secondFactor ? { secondFactor } : {});

  /** Subscriptions the gateway is serving upstream: a page's live view is in place once counted. */
  const listeners = () => web.platform.gateway.subscriptions.stats().listeners;
  async function switchTo(page: Page, organization: string) {
    await page.getByRole('combobox', { name: 'Organization' }).click();
    await page.getByRole('option', { name: organization }).click();
    await page.getByRole('combobox', { name: 'Organization' }).filter({ hasText: organization }).waitFor();
  }
  const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
  const text = (page: Page, testId: string) => () => page.getByTestId(testId).textContent();

  /**
   * The hash the apps send for their operation of this name (they send no text): web and mobile
   * share packages/client's documents (src/persisted.ts).
   */
  function webOperationHash(name: string): string {
    const documents = JSON.parse(readFileSync(new URL('../packages/client/src/gql/persisted-documents.json', import.meta.url), 'utf8')) as Record<string, string>;
    const hash = Object.keys(documents).find((id) => getOperationAST(parse(documents[id]!))?.name?.value === name);
    if (!hash) throw new Error(`no web operation ${name}`);
    return hash;
  }

  it('is served by the gateway: index.html for app routes, never cached; hashed assets cached a year and compressed (brotli or gzip); the API unaffected', async () => {
    const origin = new URL('/', web.platform.gateway.url);
    const html = await fetch(new URL('/runs/some-run', origin), { headers: { accept: 'text/html' } });
    expect(html.status).toBe(200);
    expect(html.headers.get('cache-control')).toBe('no-cache');
    const body = await html.text();
    // One inline script, the page's boot script, allowed by its hash; no other inline script may run.
    const inline = [...body.matchAll(/<script>([^]*?)<\/script>/g)].map((match) => match[1]!);
    expect(inline).toHaveLength(1);
    expect(html.headers.get('content-security-policy')).toContain(`script-src 'self' 'sha256-${createHash('sha256').update(inline[0]!).digest('base64')}';`);
    expect(html.headers.get('content-security-policy')).not.toContain("'unsafe-inline' ");
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(body)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(new URL(script!, origin), { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect(asset.headers.get('content-type')).toContain('javascript');
    // Bytes on the wire (fetch hands over the body decompressed).
    const gzipped = Number(asset.headers.get('content-length'));
    // A browser accepts brotli too, and gets it: smaller again.
    const brotli = await fetch(new URL(script!, origin), { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } });
    expect(brotli.headers.get('content-encoding')).toBe('br');
    expect(brotli.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Number(brotli.headers.get('content-length'))).toBeGreaterThan(0);
    expect(Number(brotli.headers.get('content-length'))).toBeLessThan(gzipped);
    // Compressed by the build (web/compress-plugin.ts), sent as written: the gateway does not compress at run time.
    expect(Number(brotli.headers.get('content-length'))).toBe(statSync(new URL(`../web/dist${script!}.br`, import.meta.url)).size);
    expect((await fetch(new URL('/assets/missing-0000.js', origin))).status).toBe(404);
    // Not a browser navigation: the app stays out of the way (a JSON client gets the API's answers).
    expect((await fetch(new URL('/nothing-here', origin), { headers: { accept: 'application/json' } })).status).toBe(404);
    const query = await fetch(web.platform.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { id } }' }) });
    expect(await query.json()).toEqual({ data: { viewer: null } });
  });

  it('signs in with a second factor, creates a workflow and starts a run; another member’s step shows live; counters move; files upload', async () => {
    // Ada (owner) turns two-factor authentication on through the API; the browser then needs a code.
    const [ada, , linus] = DEMO_USERS;
    const adaToken = await web.tokenOf(ada.email);
    const secret = (await web.platform.gql(`mutation { enrollTotp { secret } }`, {}, adaToken)).data!.enrollTotp.secret as string;
    const activation = await web.platform.gql(`mutation($c: String!) { confirmTotp(code: $c) { recoveryCodes } }`, { c: await totpAt(secret, new Date()) }, adaToken);
    // A recovery code, not a TOTP code: the one just used for confirmTotp cannot be replayed within its 30 s step.
    const recoveryCode = activation.data!.confirmTotp.recoveryCodes[0] as string;

    const first = await openApp('/');
    await first.getByRole('heading', { name: 'Sign in to OrgaNoise' }).waitFor();
    await shot(first, 'sign-in');
    await signIn(first, ada.email, recoveryCode);
    await first.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await first.getByTestId('counter-total').waitFor();
    await shot(first, 'dashboard');

    // A workflow of three states; members may take each step.
    await nav(first, 'Workflows').click();
    await first.getByRole('heading', { name: 'Workflows', level: 1 }).waitFor();
    await expect.poll(listeners, { timeout: TIMEOUT }).toBe(0); // the dashboard's live view has ended
    await shot(first, 'workflows');
    await first.getByRole('button', { name: 'New workflow' }).click();
    await first.getByLabel('Name').fill('Purchase request');
    await first.getByLabel('States, in order').fill('draft, review, done');
    await first.getByRole('button', { name: 'Create workflow' }).click();
    await first.getByRole('heading', { name: 'Purchase request' }).waitFor();
    await shot(first, 'workflow-definition');
    await first.getByRole('button', { name: 'Start a run' }).click();
    await first.getByRole('heading', { name: 'Run of Purchase request' }).waitFor();
    await expect.poll(text(first, 'run-state')).toBe('draft');
    const runPath = new URL(first.url()).pathname;
    expect(runPath).toMatch(/^\/runs\/.+/);
    await expect.poll(listeners, { timeout: TIMEOUT }).toBe(1);

    // Linus (member), in a browser of his own, opens the run's address and takes the first step.
    const second = await openApp(runPath);
    await signIn(second, linus.email);
    await second.getByRole('heading', { name: 'Run of Purchase request' }).waitFor();
    await second.getByRole('button', { name: 'to review' }).click();
    await expect.poll(text(second, 'run-state'), { timeout: TIMEOUT }).toBe('review');

    // Ada's page follows without a reload: the state, the timeline and her next step.
    await expect.poll(text(first, 'run-state'), { timeout: TIMEOUT }).toBe('review');
    expect(await first.getByTestId('timeline').textContent()).toContain(`by ${linus.name}`);
    await first.getByRole('button', { name: 'to done' }).waitFor();
    await shot(first, 'run-detail');

    // Ada's browser goes offline (her socket is dropped: the gateway serves only Linus's view
    // then); Linus finishes the run meanwhile. Back online, her page resubscribes from its last
    // cursor and shows the missed change, without a reload.
    await expect.poll(listeners, { timeout: TIMEOUT }).toBe(2);
    await first.context().setOffline(true);
    await first.locator('[data-live="offline"]').waitFor();
    await expect.poll(listeners, { timeout: TIMEOUT }).toBe(1);
    await second.getByRole('button', { name: 'to done' }).click();
    await expect.poll(text(second, 'run-state'), { timeout: TIMEOUT }).toBe('done');
    await first.context().setOffline(false);
    await expect.poll(text(first, 'run-state'), { timeout: TIMEOUT }).toBe('done');
    expect(await first.getByTestId('timeline').textContent()).toContain('to done: review → done');
    await first.locator('[data-live="live"]').waitFor();

    // The dashboard's counters move when Linus starts another run (the app reports it to analytics).
    await nav(first, 'Dashboard').click();
    const before = Number(await first.getByTestId('counter-total').textContent());
    await expect.poll(listeners, { timeout: TIMEOUT }).toBe(2); // Linus's run page and Ada's dashboard
    await second.getByRole('link', { name: 'Purchase request' }).click();
    await second.getByRole('button', { name: 'Start a run' }).click();
    await second.getByRole('heading', { name: 'Run of Purchase request' }).waitFor();
    await expect.poll(async () => Number(await first.getByTestId('counter-total').textContent()), { timeout: TIMEOUT }).toBeGreaterThan(before);
    await first.getByTestId('counter-workflow.run.started').waitFor();
    await shot(first, 'dashboard-live');

    // A file uploaded from the files screen (directly: its bytes PUT to a signed URL, not inside
    // GraphQL) is listed there, and its processing after upload finishes.
    await nav(first, 'Files').click();
    await first.getByRole('heading', { name: 'Files' }).waitFor();
    const graphqlBodies: string[] = [];
    first.on('request', (request) => void (request.url().endsWith('/graphql') && graphqlBodies.push(request.postData() ?? '')));
    await first.getByTestId('file-input').setInputFiles({ name: 'quote.txt', mimeType: 'text/plain', buffer: Buffer.from('Three chairs, 240 EUR\n') });
    await first.getByRole('cell', { name: 'quote.txt', exact: true }).waitFor();
    expect(graphqlBodies.join('\n')).not.toContain('Three chairs');
    await first.locator('[data-state="DONE"]').waitFor({ timeout: TIMEOUT });
    await shot(first, 'files');

    // Signing out ends the session: the refresh token the tab kept no longer signs anyone in.
    await first.getByRole('button', { name: 'Sign out' }).click();
    await first.getByRole('heading', { name: 'Sign in to OrgaNoise' }).waitFor();
    await first.reload();
    await first.getByRole('heading', { name: 'Sign in to OrgaNoise' }).waitFor();

    expect(problems).toEqual([]);
  }, STORY_TIMEOUT);

  it('shows a viewer what they may not do, switches to an organization she owns, and shows an unknown run as not available, in words chosen by error code', async () => {
    const vera = DEMO_USERS[3];
    const token = await web.tokenOf(vera.email);
    const runs = await web.platform.gql(`{ organizations { nodes { workflowRuns(first: 50) { nodes { id state } } } } }`, {}, token);
    const draft = runs.data!.organizations.nodes[0].workflowRuns.nodes.find((run: { state: string }) => run.state === 'draft').id as string;

    // Vera also owns an organization of her own: the switcher changes what she sees and may do.
    await web.platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Vera Lab', slug: 'vera-lab' } }, token);

    const page = await openApp(`/runs/${draft}`);
    await signIn(page, vera.email);
    await switchTo(page, 'Acme Robotics');
    await page.getByText('There is no step your role may take now.').waitFor();
    await shot(page, 'run-viewer');
    // At a phone's width the same screen still fits (axe runs on it too).
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'run-viewer-phone');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1200, height: 800 });
    await nav(page, 'Workflows').click();
    expect(await page.getByRole('button', { name: 'New workflow' }).isDisabled()).toBe(true);
    await nav(page, 'Files').click();
    expect(await page.getByRole('button', { name: 'Upload a file' }).isDisabled()).toBe(true);
    await switchTo(page, 'Vera Lab');
    await page.getByText('No files yet').waitFor();
    expect(await page.getByRole('button', { name: 'Upload a file' }).isDisabled()).toBe(false);
    await nav(page, 'Workflows').click();
    await page.getByText('No workflows yet').waitFor();
    expect(await page.getByRole('button', { name: 'New workflow' }).isDisabled()).toBe(false);
    await shot(page, 'workflows-empty');
    // A run of no organization of hers (NOT_FOUND): the not-for-you state, not the server's text.
    await page.goto(new URL('/runs/00000000-0000-4000-8000-000000000000', web.platform.gateway.url).href);
    await page.getByText('Not available to you').waitFor();
    expect(await page.locator('[data-code]').getAttribute('data-code')).toBe('NOT_FOUND');
    await shot(page, 'not-available');
    expect(problems).toEqual([]);
  }, 60_000);

  it('signs up, creates a first organization, and shows sign-up refusals in words', async () => {
    const page = await openApp('/sign-up');
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await page.getByLabel('Name').fill('Rosalind Franklin');
    await page.getByLabel('Email').fill('rosalind@example.org');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    // BAD_USER_INPUT: the field's own problem under it, the general sentence above.
    await page.getByText('must be at least 10 characters').waitFor();
    await page.getByText('Some of what you entered is not valid').waitFor();
    await page.getByLabel('Password').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Create your organization' }).waitFor();
    await shot(page, 'first-organization');
    await page.getByLabel('Organization name').fill('Franklin Lab');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('combobox', { name: 'Organization' }).filter({ hasText: 'Franklin Lab' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Create one' }).click();
    await page.getByLabel('Name').fill('Someone Else');
    await page.getByLabel('Email').fill('rosalind@example.org');
    await page.getByLabel('Password').fill('another long passphrase');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('This clashes with something that already exists').waitFor();
    expect(problems).toEqual([]);
  }, 60_000);

  it('lists the tasks waiting for an admin, adds one live when a run reaches its review, and attaches a file to that run and downloads it', async () => {
    const [, grace, linus] = DEMO_USERS;
    const page = await openApp('/tasks');
    await signIn(page, grace.email);
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();
    // The demo has an expense waiting for review (a task for admins).
    await page.getByText('Review the expense').first().waitFor();
    const tasks = () => page.getByTestId('tasks').getByRole('link').count();
    const before = await tasks();
    await expect.poll(listeners, { timeout: TIMEOUT }).toBe(1);

    const token = await web.tokenOf(linus.email);
    const definitions = await web.platform.gql(`{ organizations { nodes { workflows { nodes { id key } } } } }`, {}, token);
    const definitionId = definitions.data!.organizations.nodes[0].workflows.nodes.find((w: { key: string }) => w.key === 'expense-approval').id as string;
    const runId = (await web.platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId } }, token)).data!.startWorkflowRun.id as string;
    await web.platform.gql(`mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`, { i: { runId, transition: 'submit' } }, token);

    await expect.poll(tasks, { timeout: TIMEOUT }).toBe(before + 1);
    await shot(page, 'tasks');
    await page.locator(`a[href="/runs/${runId}"]`).click();
    await expect.poll(text(page, 'run-state'), { timeout: TIMEOUT }).toBe('submitted');
    await page.getByRole('button', { name: 'approve' }).waitFor();

    // A receipt attached on the run is listed there and downloads with the same bytes.
    const receipt = 'Receipt: 3 chairs, 240 EUR\n';
    await page.getByTestId('run-file-input').setInputFiles({ name: 'receipt.txt', mimeType: 'text/plain', buffer: Buffer.from(receipt) });
    await page.getByTestId('run-files').getByText('receipt.txt').waitFor();
    await shot(page, 'run-files');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download receipt.txt' }).click()]);
    expect(download.suggestedFilename()).toBe('receipt.txt');
    const chunks: Buffer[] = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe(receipt);
    expect(problems).toEqual([]);
  }, 60_000);

  describe('on a gateway as `npm start` runs in production (safelist enforced)', () => {
    // A second replica of every service on the seeded database, configured as scripts/start.ts
    // does with NODE_ENV=production: only listed operations run (OPERATION_NOT_ALLOWED otherwise),
    // no introspection, no playground, no other origin.
    let enforcing: TestPlatform;
    beforeAll(async () => {
      enforcing = await startTestPlatform({ web: true, database: web.platform.database, introspection: false, gateway: { corsOrigins: [], protection: { safelist: { mode: 'enforce' } } } });
    });
    afterAll(async () => {
      await enforcing?.stop();
    });

    /** The web app's own operation by name, sent as its hash alone, as the app sends it. */
    async function persisted<D = Record<string, any>>(name: string, variables: Record<string, unknown>, token?: string): Promise<D> {
      const hash = webOperationHash(name);
      const res = await fetch(enforcing.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
      });
      const body = (await res.json()) as { data?: D; errors?: unknown[] };
      if (!body.data || body.errors) throw new Error(`${name}: ${JSON.stringify(body.errors)}`);
      return body.data;
    }

    it('signs in, reads by hash and follows a new task live over graphql-ws; text the list lacks is refused', async () => {
      const [, grace, linus] = DEMO_USERS;
      // What the app never sends is refused: any text not listed verbatim, and introspection.
      expect(codesOf(await enforcing.gql(`{ viewer { id } }`))).toEqual(['OPERATION_NOT_ALLOWED']);

      const page = await openApp('/tasks', { on: enforcing });
      await signIn(page, grace.email);
      await page.getByRole('heading', { name: 'Tasks' }).waitFor();
      await page.getByText('Review the expense').first().waitFor();
      await page.locator('[data-live="live"]').waitFor();
      const tasks = () => page.getByTestId('tasks').getByRole('link').count();
      const before = await tasks();

      // Linus submits a new expense through the same gateway, with the app's own operations by hash.
      const token = (await persisted('SignIn', { input: { email: linus.email, password: DEMO_PASSWORD } })).signIn.accessToken as string;
      const organizationId = (await persisted('MyOrganizations', {}, token)).organizations.nodes[0].id as string;
      const definitions = (await persisted('WorkflowDefinitions', { organizationId }, token)).organization.workflows.nodes as { id: string; key: string }[];
      const definitionId = definitions.find((w) => w.key === 'expense-approval')!.id;
      const runId = (await persisted('StartWorkflowRun', { input: { definitionId, data: { description: 'Taxi to the airport', amount: 42, currency: 'EUR' } } }, token)).startWorkflowRun.id as string;
      await persisted('TransitionWorkflowRun', { input: { runId, transition: 'submit' } }, token);

      // Grace's inbox gains it without a reload: the subscription ran by hash over graphql-ws.
      await expect.poll(tasks, { timeout: TIMEOUT }).toBe(before + 1);
      await page.locator(`a[href="/runs/${runId}"]`).click();
      await expect.poll(text(page, 'run-state'), { timeout: TIMEOUT }).toBe('submitted');
      await page.getByRole('button', { name: 'approve' }).click();
      await expect.poll(text(page, 'run-state'), { timeout: TIMEOUT }).toBe('approved');
      await page.locator('[data-live="live"]').waitFor();
      expect(problems).toEqual([]);
    }, 60_000);

    it('runs the apps’ shared inbox operations (packages/client) by hash too: sign-in, inbox, and the live inbox over graphql-ws', async () => {
      const [, grace, linus] = DEMO_USERS;
      const token = (await persisted('SignIn', { input: { email: grace.email, password: DEMO_PASSWORD } })).signIn.accessToken as string;
      const organizationId = (await persisted('MyOrganizations', {}, token)).organizations.nodes[0].id as string;
      const open = (await persisted('MyTasks', { organizationId }, token)).myTasks.totalCount as number;
      await expect.poll(() => enforcing.gateway.subscriptions.stats().listeners, { timeout: TIMEOUT }).toBe(0);
      // The live inbox as packages/client subscribes: an empty query naming the hash (graphql-ws needs a string).
      const ws = createClient({ url: enforcing.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
      const events = ws.iterate<{ myTasksChanged: { type: string; task: { run: { id: string } } } }>({ query: '', variables: { organizationId }, extensions: { persistedQuery: { version: 1, sha256Hash: webOperationHash('MyTasksChanged') } } });
      try {
        let pending = events.next();
        await expect.poll(() => enforcing.gateway.subscriptions.stats().listeners, { timeout: TIMEOUT }).toBe(1);
        const linusToken = (await persisted('SignIn', { input: { email: linus.email, password: DEMO_PASSWORD } })).signIn.accessToken as string;
        const definitions = (await persisted('WorkflowDefinitions', { organizationId }, linusToken)).organization.workflows.nodes as { id: string; key: string }[];
        const definitionId = definitions.find((w) => w.key === 'expense-approval')!.id;
        const runId = (await persisted('StartWorkflowRun', { input: { definitionId, data: { description: 'Train to the client', amount: 64, currency: 'EUR' } } }, linusToken)).startWorkflowRun.id as string;
        await persisted('TransitionWorkflowRun', { input: { runId, transition: 'submit' } }, linusToken);
        // The first event about this run (one about an earlier case's run may come first).
        for (;;) {
          const event = await pending;
          if (event.done) throw new Error('the subscription ended');
          expect(event.value.errors).toBeUndefined();
          if (event.value.data?.myTasksChanged.task.run.id === runId) {
            expect(event.value.data.myTasksChanged.type).toBe('workflow.task.opened');
            break;
          }
          pending = events.next();
        }
        expect((await persisted('MyTasks', { organizationId }, token)).myTasks.totalCount).toBe(open + 1);
      } finally {
        await events.return?.();
        await ws.dispose();
      }
    }, 60_000);
  });

  it('refreshes the access token before it expires, and a reload signs back in with the refresh token', async () => {
    const grace = DEMO_USERS[1];
    const context = await web.newContext({ reducedMotion: 'reduce' });
    // The page's clock, not the machine's: an hour passes in a moment, timers fire as they would.
    await context.clock.install();
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    let refreshes = 0;
    const refreshSession = webOperationHash('RefreshSession');
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.postData()?.includes(refreshSession)) refreshes++;
    });
    await page.goto(new URL('/workflows', web.platform.gateway.url).href);
    await signIn(page, grace.email);
    expect(refreshes).toBe(0);
    // One-hour tokens are refreshed a minute before they expire.
    await page.clock.fastForward('58:30');
    expect(refreshes).toBe(0);
    await page.clock.fastForward('00:45');
    await expect.poll(() => refreshes, { timeout: TIMEOUT }).toBe(1);
    // The new token works (and the old refresh token is spent: a second refresh would have ended the session).
    await page.getByRole('link', { name: 'Purchase request' }).waitFor();
    await page.reload();
    await page.getByTestId('signed-in-as').waitFor();
    expect(refreshes).toBe(2);
    await page.getByRole('heading', { name: 'Workflows', level: 1 }).waitFor();

    // A reload of the dashboard: the page's boot script (web/boot-plugin.ts, allowed by its hash in
    // the CSP) spends the refresh token and reads the first screen while the bundle loads; the app
    // takes both over and sends neither the refresh nor the organizations' and counters' reads again.
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/graphql') sent.push(String((request.postDataJSON() as { operationName?: string } | null)?.operationName));
    });
    await page.goto(new URL('/', web.platform.gateway.url).href);
    await page.getByTestId('counter-total').waitFor();
    await page.getByTestId('organization-switcher').waitFor();
    // The counters show before Apollo Client has loaded (web/src/app/FirstPaint.tsx); once it has, the
    // dashboard it renders goes live over graphql-ws, in place.
    await page.locator('[data-live="live"]').waitFor({ timeout: TIMEOUT });
    await page.getByTestId('counter-total').waitFor();
    expect(refreshes).toBe(3);
    expect(sent.filter((name) => name === 'RefreshSession')).toHaveLength(1);
    expect(sent).toContain('FirstScreen');
    expect(sent).not.toContain('MyOrganizations');
    expect(sent).not.toContain('Dashboard');
    // Still signed in, with the token the boot script's refresh brought: the next refresh is on time and works.
    await page.clock.fastForward('59:15');
    await expect.poll(() => refreshes, { timeout: TIMEOUT }).toBe(4);
    await page.getByRole('link', { name: 'Tasks' }).click();
    await page.getByRole('heading', { name: 'Tasks', level: 1 }).waitFor();
    expect(problems).toEqual([]);
  }, 60_000);
});

import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testEnv } from '@organoise/core/testing';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from '@organoise/platform';
import { totpAt } from '@organoise/subgraph-user/totp';
import { devices, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, buildApp, launchChromium } from './browser.js';
import { startTestPlatform, type TestPlatform } from './harness.js';

// The mobile app (Expo, built for the web with react-native-web) in real Chromium at a phone's
// size, against the whole platform: Ada signs in with a second factor, a task another member
// assigns to her role arrives in her inbox live, she takes the step; she loses the network, misses
// a task, and sees it once the network is back. The app does not touch the database: Postgres only.
const DIST = fileURLToPath(new URL('../mobile/dist/', import.meta.url));
const SCREENSHOTS = fileURLToPath(new URL('../mobile/screenshots/', import.meta.url));
const TIMEOUT = 15_000;
// About 14 s on a quiet machine; a loaded one takes several times as long.
const STORY_TIMEOUT = 90_000;
// A phone's viewport, pixel ratio, touch and user agent (not its browser engine: Chromium here).
const { defaultBrowserType: _engine, ...PHONE } = devices['iPhone 13']!;

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.json': 'application/json', '.png': 'image/png', '.ttf': 'font/ttf', '.ico': 'image/x-icon' };

/**
 * The app's files, with /graphql (HTTP and WebSocket) passed through to the gateway: app and API
 * on one origin, as a deployment behind one reverse proxy has them. The Host header is passed on
 * unchanged, so the gateway's same-origin checks see the page's own origin.
 */
async function serveApp(gateway: URL): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://app').pathname;
    if (path === '/graphql') {
      const upstream = request({ host: gateway.hostname, port: gateway.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
      return;
    }
    let file = join(DIST, normalize(decodeURIComponent(path)));
    // Every app route is index.html (expo-router routes in the browser).
    if (!file.startsWith(DIST) || !existsSync(file) || statSync(file).isDirectory()) file = join(DIST, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    createReadStream(file).pipe(res);
  });
  server.on('upgrade', (req, socket, head) => {
    const upstream = connect(Number(gateway.port), gateway.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

let platform: TestPlatform;
let app: { url: string; server: Server };
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('the mobile app on the web', () => {
  beforeAll(async () => {
    // Through turbo: rebuilt when a source of the app or of packages/client changed, restored
    // from turbo's cache otherwise (the export itself takes minutes on a loaded machine).
    buildApp('@organoise/mobile');
    if (!existsSync(join(DIST, 'index.html'))) throw new Error('mobile/dist was not built');
    mkdirSync(SCREENSHOTS, { recursive: true });
    platform = await startTestPlatform();
    await seedDemo(platform.gateway.url);
    app = await serveApp(new URL(platform.gateway.url));
    browser = await launchChromium();
    // A first export on a clean clone (no turbo or Metro cache) took 2.5 min on a loaded 2-core
    // machine, past the 2 min hook default; later runs take a second.
  }, 600_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    app?.server.closeAllConnections();
    await new Promise((resolve) => app?.server.close(resolve) ?? resolve(undefined));
    await platform?.stop();
  });

  async function openApp(path = '/'): Promise<Page> {
    const context = await browser.newContext(PHONE);
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      // Offline on purpose below: the browser reports the refused requests and socket.
      if (message.type() === 'error' && !/ERR_INTERNET_DISCONNECTED|WebSocket/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    await page.goto(new URL(path, app.url).href);
    return page;
  }

  const listeners = () => platform.gateway.subscriptions.stats().listeners;
  async function shot(page: Page, name: string) {
    await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
    for (const violation of await accessibilityProblems(page)) problems.push(`axe on ${name}: ${violation}`);
  }
  const token = async (email: string) =>
    (await platform.gql(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email, password: DEMO_PASSWORD } })).data!.signIn.accessToken as string;

  it('signs in with a second factor, gets a task live, takes its step, and after losing the network shows the task it missed', async () => {
    const [ada, , linus] = DEMO_USERS;
    const adaToken = await token(ada.email);
    const secret = (await platform.gql(`mutation { enrollTotp { secret } }`, {}, adaToken)).data!.enrollTotp.secret as string;
    const activation = await platform.gql(`mutation($c: String!) { confirmTotp(code: $c) { recoveryCodes } }`, { c: await totpAt(secret, new Date()) }, adaToken);
    // A recovery code: the TOTP code just used cannot be replayed within its 30 s step.
    const recoveryCode = activation.data!.confirmTotp.recoveryCodes[0] as string;
    const organizationId = (await platform.gql(`{ organizations { nodes { id } } }`, {}, adaToken)).data!.organizations.nodes[0].id as string;
    // A purchase request that a member submits and an owner approves: the review opens a task for owners.
    const definition = await platform.gql(
      `mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }`,
      {
        i: {
          organizationId,
          key: 'purchase-request',
          name: 'Purchase request',
          initialState: 'draft',
          states: [{ name: 'draft' }, { name: 'review', task: { title: 'Approve the purchase', assigneeRole: 'OWNER' } }, { name: 'approved', final: true }, { name: 'rejected', final: true }],
          transitions: [
            { name: 'submit', from: 'draft', to: 'review', allowedRoles: ['OWNER', 'ADMIN', 'MEMBER'] },
            { name: 'approve', from: 'review', to: 'approved', allowedRoles: ['OWNER'] },
            { name: 'reject', from: 'review', to: 'rejected', allowedRoles: ['OWNER'] },
          ],
        },
      },
      adaToken,
    );
    const definitionId = definition.data!.createWorkflowDefinition.id as string;
    const linusToken = await token(linus.email);
    /** Linus starts a purchase request and submits it: a task for the owners opens. */
    const submitRun = async () => {
      const runId = (await platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId } }, linusToken)).data!.startWorkflowRun.id as string;
      const moved = await platform.gql(`mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`, { i: { runId, transition: 'submit' } }, linusToken);
      expect(moved.data!.transitionWorkflowRun.state).toBe('review');
      return runId;
    };

    // Sign in: email and password, then the second factor.
    const page = await openApp('/');
    await page.getByRole('heading', { name: 'Sign in to OrgaNoise' }).waitFor();
    await shot(page, 'sign-in');
    await page.getByLabel('Email').fill(ada.email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await page.getByLabel('Code').fill(recoveryCode);
    await shot(page, 'second-factor');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    // The inbox's two subscriptions (its tasks, and runs that finish) are served upstream: from
    // here on no task can slip past them.
    await expect.poll(listeners, { timeout: TIMEOUT }).toBe(2);
    await page.locator('[data-live="live"]').waitFor();
    const tasks = page.getByTestId('task-list').getByRole('link', { name: /^Approve the purchase/ });
    expect(await tasks.count()).toBe(0);
    const badge = async () => Number((await page.getByTestId('inbox-badge').textContent({ timeout: 1_000 }).catch(() => '0')) ?? 0);
    const before = await badge();
    await shot(page, 'inbox');

    // Linus submits a request with a quote attached: the task arrives in Ada's inbox without a
    // reload, the badge counts it.
    const firstRun = await submitRun();
    const quote = 'Three chairs, 240 EUR\n';
    const upload = await platform.gql(
      `mutation($i: UploadFileInput!) { uploadFile(input: $i) { id } }`,
      { i: { organizationId, name: 'quote.txt', contentType: 'text/plain', contentBase64: Buffer.from(quote).toString('base64'), workflowRunId: firstRun } },
      linusToken,
    );
    expect(upload.errors).toBeUndefined();
    await tasks.first().waitFor();
    await expect.poll(badge, { timeout: TIMEOUT }).toBe(before + 1);
    expect(await page.getByTestId('notice').textContent()).toBe('New task: Approve the purchase');
    await shot(page, 'inbox-live');

    // Ada opens it and approves: the run moves on, and the closed task leaves her inbox.
    await tasks.first().click();
    await page.getByRole('heading', { name: 'Approve the purchase' }).waitFor();
    await expect.poll(() => page.getByTestId('run-state').last().textContent()).toBe('review');
    await shot(page, 'task');
    // The quote opens (on the web: the browser downloads it; on a phone: the share sheet).
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('file-name').filter({ hasText: 'quote.txt' }).click()]);
    expect(download.suggestedFilename()).toBe('quote.txt');
    expect(readFileSync((await download.path())!, 'utf8')).toBe(quote);
    await page.getByRole('button', { name: 'approve' }).click();
    await expect.poll(() => page.getByTestId('run-state').last().textContent(), { timeout: TIMEOUT }).toBe('approved');
    await page.getByText('approve: review → approved by Ada Lovelace').waitFor();
    await shot(page, 'task-done');
    await page.goBack();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await expect.poll(() => tasks.count(), { timeout: TIMEOUT }).toBe(0);
    await expect.poll(badge, { timeout: TIMEOUT }).toBe(before);

    // Ada loses the network; Linus submits another request meanwhile. Back online, her inbox
    // resumes from its last cursor and shows the task she missed, once.
    await expect.poll(listeners, { timeout: TIMEOUT }).toBe(2); // the task screen's has ended
    await page.context().setOffline(true);
    await page.locator('[data-live="offline"]').waitFor();
    await expect.poll(listeners, { timeout: TIMEOUT }).toBe(0);
    await submitRun();
    await shot(page, 'inbox-offline');
    expect(await tasks.count()).toBe(0);
    await page.context().setOffline(false);
    await tasks.first().waitFor({ timeout: TIMEOUT });
    await page.locator('[data-live="live"]').waitFor();
    expect(await tasks.count()).toBe(1);
    await expect.poll(badge, { timeout: TIMEOUT }).toBe(before + 1);
    await shot(page, 'inbox-resumed');

    // A step that cannot go through (the network is gone again as she taps) is rolled back with
    // a sentence, not left looking done.
    await tasks.first().click();
    await page.getByRole('heading', { name: 'Approve the purchase' }).waitFor();
    await page.getByRole('button', { name: 'approve' }).waitFor();
    await page.context().setOffline(true);
    await page.getByRole('button', { name: 'approve' }).click();
    await page.getByText('The service cannot be reached. Check your connection.').waitFor();
    expect(await page.getByTestId('run-state').last().textContent()).toBe('review');
    await page.getByRole('button', { name: 'approve' }).waitFor();
    await shot(page, 'transition-rolled-back');
    await page.context().setOffline(false);

    // Back in the inbox, its view says live again: it resumed on the socket the task screen reopened.
    await page.goBack();
    await page.locator('[data-live="live"]').waitFor();

    // The organization switcher, then signing out ends the session.
    await page.getByRole('link', { name: /Switch organization/ }).click();
    await page.getByRole('heading', { name: 'Organizations' }).waitFor();
    await page.getByRole('radio', { checked: true }).waitFor();
    await shot(page, 'organizations');
    await page.getByRole('radio').first().click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    // Dark mode follows the phone's setting (and axe checks its contrast too).
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.evaluate(`getComputedStyle(document.querySelector('[role="heading"]')).color`)).toBe('rgb(238, 241, 244)');
    await shot(page, 'inbox-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in to OrgaNoise' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to OrgaNoise' }).waitFor();

    expect(problems).toEqual([]);
  }, STORY_TIMEOUT);

  it('refreshes the access token a minute before it expires, and a reload signs back in with the stored refresh token', async () => {
    const grace = DEMO_USERS[1];
    problems.length = 0;
    const context = await browser.newContext(PHONE);
    contexts.push(context);
    // The page's clock, not the machine's: an hour passes in a moment, timers fire as they would.
    await context.clock.install();
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    let refreshes = 0;
    page.on('request', (request) => {
      // The app sends the operation's hash and name, not its text (packages/client/src/persisted.ts).
      if (request.method() === 'POST' && request.postData()?.includes('"operationName":"RefreshSession"')) refreshes++;
    });
    await page.goto(app.url);
    await page.getByLabel('Email').fill(grace.email);
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await page.clock.fastForward('58:30');
    expect(refreshes).toBe(0);
    await page.clock.fastForward('00:45');
    await expect.poll(() => refreshes, { timeout: TIMEOUT }).toBe(1);
    // The new token works, and the spent refresh token was replaced: a reload signs in with the new one.
    await page.getByRole('link', { name: /Switch organization/ }).click();
    await page.getByRole('heading', { name: 'Organizations' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Organizations' }).waitFor();
    expect(refreshes).toBe(2);
    expect(problems).toEqual([]);
  }, STORY_TIMEOUT);
});

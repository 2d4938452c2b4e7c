import { testEnv } from '@organoise/core/testing';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from '@organoise/platform';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, launchChromium } from './browser.js';
import { startTestPlatform, type TestPlatform } from './harness.js';

// The playground as a person uses it, in real Chromium against the whole platform: a live
// subscription typed into GraphiQL shows each event as another user's mutation causes it. In the
// postgres project only: the browser side does not depend on the database, and one build at a time.
let platform: TestPlatform;
let browser: Browser;
const postgresOnly = testEnv.TEST_DATABASE !== 'postgres';

beforeAll(async () => {
  if (postgresOnly) return;
  buildApp('@organoise/playground');
  platform = await startTestPlatform({ playground: true });
  await seedDemo(platform.gateway.url);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

type CodeMirrorElement = { CodeMirror: { setValue(value: string): void; getValue(): string } };
const setEditor = (page: Page, selector: string, value: string) =>
  page.locator(selector).evaluate((element, v) => (element as unknown as CodeMirrorElement).CodeMirror.setValue(v), value);
const responseText = (page: Page) =>
  page.locator('.graphiql-response .CodeMirror').evaluate((element) => (element as unknown as CodeMirrorElement).CodeMirror.getValue());

describe.skipIf(postgresOnly)('the playground', () => {
  it('shows live subscription events over graphql-ws, authenticated by the token pasted in the Headers tab', async () => {
    const member = DEMO_USERS[2];
    const signIn = await platform.gql(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email: member.email, password: DEMO_PASSWORD } });
    const token = signIn.data!.signIn.accessToken as string;
    const defs = await platform.gql(`{ organizations { nodes { workflows { nodes { id key } } } } }`, {}, token);
    const definitionId = defs.data!.organizations.nodes[0].workflows.nodes.find((w: { key: string }) => w.key === 'expense-approval').id;
    const runId = (await platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId } }, token)).data!.startWorkflowRun.id;

    const context = await browser.newContext();
    const errors: string[] = [];
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(platform.gateway.url);
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
    await setEditor(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror', JSON.stringify({ Authorization: `Bearer ${token}` }));
    await setEditor(page, '.graphiql-query-editor .CodeMirror', `subscription { workflowRunUpdated(runId: "${runId}") { type run { state startedBy { name } } } }`);
    await page.locator('.graphiql-execute-button').click();
    const deadline = Date.now() + 10_000;
    // Accepted (the upstream is live): the next commit reaches the page, no settling time needed.
    while (platform.gateway.subscriptions.stats().listeners === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await platform.gql(`mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`, { i: { runId, transition: 'submit' } }, token);
    await expect.poll(() => responseText(page), { timeout: 10_000 }).toContain('"state": "submitted"');
    expect(await responseText(page)).toContain(`"name": "${member.name}"`);
    expect(errors).toEqual([]);
    await page.screenshot({ path: '/tmp/playground-subscription.png' });
    await context.close();
  });

  it('signs in through its panel (no token copied by hand) and runs a query and a live subscription with that token', async () => {
    const member = DEMO_USERS[2];
    const context = await browser.newContext();
    const errors: string[] = [];
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(platform.gateway.url);
    await page.getByRole('button', { name: 'Show Sign in' }).click();
    const panel = page.getByRole('form', { name: 'Sign in' });
    await panel.getByLabel('Email').fill(member.email);
    await panel.getByLabel('Password').fill('not the password');
    await panel.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => panel.getByRole('alert').textContent()).toContain('do not match');
    await panel.getByLabel('Password').fill(DEMO_PASSWORD);
    await panel.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('region', { name: 'Signed in' }).getByText(member.name).waitFor();

    await setEditor(page, '.graphiql-query-editor .CodeMirror', '{ viewer { name } }');
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => responseText(page), { timeout: 10_000 }).toContain(`"name": "${member.name}"`);

    const token = (await platform.gql(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email: member.email, password: DEMO_PASSWORD } })).data!.signIn.accessToken as string;
    const defs = await platform.gql(`{ organizations { nodes { workflows { nodes { id key } } } } }`, {}, token);
    const definitionId = defs.data!.organizations.nodes[0].workflows.nodes.find((w: { key: string }) => w.key === 'expense-approval').id;
    const runId = (await platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId } }, token)).data!.startWorkflowRun.id;
    await setEditor(page, '.graphiql-query-editor .CodeMirror', `subscription { workflowRunUpdated(runId: "${runId}") { run { state } } }`);
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => platform.gateway.subscriptions.stats().listeners, { timeout: 10_000 }).toBeGreaterThan(0);
    await platform.gql(`mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`, { i: { runId, transition: 'submit' } }, token);
    await expect.poll(() => responseText(page), { timeout: 10_000 }).toContain('"state": "submitted"');
    await page.screenshot({ path: '/tmp/playground-sign-in.png' });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('on a gateway that enforces the safelist (PLAYGROUND=true in production): the panel signs in, a typed operation the list lacks is refused with OPERATION_NOT_ALLOWED', async () => {
    const member = DEMO_USERS[2];
    // A second replica of every service on the same database, as production runs it with the playground turned on.
    const enforcing = await startTestPlatform({ playground: true, database: platform.database, introspection: false, gateway: { protection: { safelist: { mode: 'enforce' } } } });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const sent: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST') sent.push(String((request.postDataJSON() as { query?: string } | null)?.query));
      });
      await page.goto(enforcing.gateway.url);
      await page.getByRole('button', { name: 'Show Sign in' }).click();
      const panel = page.getByRole('form', { name: 'Sign in' });
      await panel.getByLabel('Email').fill(member.email);
      await panel.getByLabel('Password').fill(DEMO_PASSWORD);
      await panel.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('region', { name: 'Signed in' }).getByText(member.name).waitFor();
      // The panel sent the listed text, not a variant of it.
      expect(sent.some((query) => query.startsWith('mutation PlaygroundSignIn($i: SignInInput!) {\n'))).toBe(true);

      await setEditor(page, '.graphiql-query-editor .CodeMirror', '{ viewer { name } }');
      await page.locator('.graphiql-execute-button').click();
      await expect.poll(() => responseText(page), { timeout: 10_000 }).toContain('"code": "OPERATION_NOT_ALLOWED"');
      expect(await responseText(page)).toContain('This gateway runs only known operations');
      expect(await responseText(page)).not.toContain(`"name": "${member.name}"`);
      await page.screenshot({ path: '/tmp/playground-safelist.png' });
    } finally {
      await context.close();
      await enforcing.stop();
    }
  });
});

import { codesOf, testEnv } from '@organoise/core/testing';
import { DEMO_ORGANIZATION, DEMO_USERS } from '@organoise/platform';
import { totpAt } from '@organoise/subgraph-user/totp';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWebE2e, WAIT } from './browser.js';

// The web app's administration, account settings, run list and dashboard charts, in real Chromium
// against the whole platform served by the gateway. Beside e2e/web.e2e.ts (the first screens), on
// Postgres only for the same reason: the app does not touch the database.
const CASE_TIMEOUT = 120_000;
const [ada, , linus] = DEMO_USERS;

describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('the web app: administration, account, runs and charts', () => {
  const web = useWebE2e({ demo: true });
  // Page errors, console errors (CSP violations among them) and axe's serious/critical findings.
  const { findings, tokenOf, photograph } = web;
  let organizationId: string;

  beforeAll(async () => {
    const orgs = await web.platform.gql(`{ organizations { nodes { id name } } }`, {}, await tokenOf(ada.email));
    organizationId = orgs.data!.organizations.nodes.find((o: { name: string }) => o.name === DEMO_ORGANIZATION.name).id as string;
  }, CASE_TIMEOUT);

  const browse = (path: string, viewport?: { width: number; height: number }) => web.open(path, viewport ? { viewport } : {});
  const signInAs = (page: Page, email: string, password?: string) => web.signIn(page, email, password ? { password } : {});

  async function choose(page: Page, combobox: string, option: string) {
    await page.getByRole('combobox', { name: combobox }).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  it('an owner invites someone who signs up from the link and accepts; then changes their role, creates an API key whose secret shows once, sets an allow-list and reads the audit log', async () => {
    const owner = await browse('/admin');
    await signInAs(owner, ada.email);
    await owner.getByRole('heading', { name: 'Administration' }).waitFor();
    await owner.getByRole('table', { name: 'Members' }).waitFor();
    await photograph(owner, 'admin-members');

    // The invitation: its link (with the token the API shows once) is what the invitee gets.
    await owner.getByRole('tab', { name: 'Invitations' }).click();
    const email = `newcomer-${Date.now()}@example.com`;
    await owner.getByLabel('Email to invite').fill(email);
    await owner.getByRole('button', { name: 'Invite', exact: true }).click();
    const link = (await owner.getByTestId('invitation-link').textContent())!;
    expect(link).toMatch(/\/invitations\/.+/);
    await owner.getByTestId(`invitation-${email}`).waitFor();
    await photograph(owner, 'admin-invitations');

    // The invitee opens it signed out, creates an account, and accepts.
    const invitee = await browse(new URL(link).pathname);
    await invitee.getByText('You have been invited to an organization').waitFor();
    await invitee.getByRole('link', { name: 'Create one' }).click();
    await invitee.getByLabel('Name').fill('Nora Newcomer');
    await invitee.getByLabel('Email').fill(email);
    await invitee.getByLabel('Password').fill('newcomer-password-1');
    await invitee.getByRole('button', { name: 'Create account' }).click();
    await invitee.getByRole('heading', { name: 'You are invited' }).waitFor();
    await photograph(invitee, 'invitation-accept');
    await invitee.getByRole('button', { name: 'Accept invitation' }).click();
    await invitee.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await invitee.getByRole('combobox', { name: 'Organization' }).filter({ hasText: DEMO_ORGANIZATION.name }).waitFor();
    // A member: the admin screens are not for her.
    expect(await invitee.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count()).toBe(0);

    // The owner sees her among the members and makes her an admin.
    await owner.getByRole('tab', { name: 'Members' }).click();
    await owner.getByTestId(`member-${email}`).waitFor();
    await choose(owner, 'Role of Nora Newcomer', 'admin');
    const roleOf = async () => {
      const members = await web.platform.gql(`query($o: ID!) { organization(id: $o) { members(first: 100) { nodes { role user { email } } } } }`, { o: organizationId }, await tokenOf(ada.email));
      return members.data!.organization.members.nodes.find((m: { user: { email: string } }) => m.user.email === email)?.role as string;
    };
    await expect.poll(roleOf, { timeout: WAIT }).toBe('ADMIN');

    // An API key: its secret is shown once, works, and is gone after a reload.
    await owner.getByRole('tab', { name: 'API keys' }).click();
    await owner.getByLabel('Key name').fill('Nightly export');
    await owner.getByRole('button', { name: 'Create key' }).click();
    const secret = (await owner.getByTestId('api-key-secret').textContent())!;
    expect(secret).toMatch(/^onk_/);
    await owner.getByTestId('api-key-Nightly export').waitFor();
    await photograph(owner, 'admin-api-keys');
    const asKey = await fetch(web.platform.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `ApiKey ${secret}` }, body: JSON.stringify({ query: `query($o: ID!) { organization(id: $o) { name } }`, variables: { o: organizationId } }) });
    expect(await asKey.json()).toEqual({ data: { organization: { name: DEMO_ORGANIZATION.name } } });
    await owner.reload();
    await owner.getByTestId('api-key-Nightly export').waitFor();
    expect(await owner.getByTestId('api-key-secret').count()).toBe(0);
    expect(await owner.content()).not.toContain(secret);

    // The allow-list: one that leaves out the owner's own address is refused in words; one with it is saved.
    await owner.getByRole('tab', { name: 'IP allow-list' }).click();
    const allowList = owner.getByLabel('Allowed networks (CIDR)');
    await allowList.fill('203.0.113.0/24');
    await owner.getByRole('button', { name: 'Save allow-list' }).click();
    await owner.locator('[data-code="ALLOW_LIST_LOCKOUT"]').getByText('This list would lock you out').waitFor();
    await allowList.fill('203.0.113.0/24\n127.0.0.0/8\n::1/128');
    await owner.getByRole('button', { name: 'Save allow-list' }).click();
    await owner.getByText('Allow-list saved.').waitFor();
    const saved = await web.platform.gql(`query($o: ID!) { organization(id: $o) { ipAllowList } }`, { o: organizationId }, await tokenOf(ada.email));
    expect(saved.data!.organization.ipAllowList).toEqual(['203.0.113.0/24', '127.0.0.0/8', '::1/128']);
    await photograph(owner, 'admin-allow-list');

    // The audit log has each of these, and filters by type.
    await owner.getByRole('tab', { name: 'Audit log' }).click();
    const log = owner.getByRole('table', { name: 'Audit log' });
    for (const event of ['invitation accepted', 'role changed', 'api key created', 'organization allow list changed']) await log.getByRole('cell', { name: event, exact: true }).first().waitFor();
    await owner.getByText(/Page 1 · \d+ in all/).waitFor();
    await photograph(owner, 'admin-audit-log');
    await choose(owner, 'Event type', 'role changed');
    await expect.poll(async () => new Set(await log.locator('tbody tr td:nth-child(2)').allTextContents()), { timeout: WAIT }).toEqual(new Set(['role changed']));

    expect(findings).toEqual([]);
  }, CASE_TIMEOUT);

  it('tells a member "you may not do this" on the admin screens, which the navigation does not offer them', async () => {
    const page = await browse('/admin/api-keys');
    await signInAs(page, linus.email);
    await page.getByText('You may not do this').waitFor();
    expect(await page.getByRole('table').count()).toBe(0);
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await photograph(page, 'admin-not-allowed');
    expect(findings).toEqual([]);
  }, CASE_TIMEOUT);

  it('account settings at a phone’s width: signs out another session, then turns on two-step verification with recovery codes shown once', async () => {
    const email = `kim-${Date.now()}@example.com`;
    const password = 'kim-password-123';
    const signedUp = await web.platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email, password, name: 'Kim Account' } });
    // A member of an organization of her own: the account screen is in the app's shell.
    await web.platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Kim Co', slug: `kim-${Date.now()}` } }, signedUp.data!.signUp.accessToken as string);
    expect((await web.platform.gql(`mutation { signOut }`, {}, signedUp.data!.signUp.accessToken as string)).data).toEqual({ signOut: true });
    // Another device of Kim's, signed in through the API: its refresh token works until revoked.
    const other = await web.platform.gql(`mutation($i: SignInInput!) { signIn(input: $i) { refreshToken } }`, { i: { email, password } });
    const otherRefresh = other.data!.signIn.refreshToken as string;

    const page = await browse('/account', { width: 390, height: 844 });
    await signInAs(page, email, password);
    await page.getByRole('heading', { name: 'Account settings' }).waitFor();
    await page.getByTestId('session-current').waitFor();
    await photograph(page, 'account');
    await expect.poll(() => page.getByTestId('session-other').count(), { timeout: WAIT }).toBe(1);
    // Each session named by the User-Agent of the request that opened it, which the gateway passes
    // on to the user subgraph: this Chromium, and Node's fetch (no browser: its own name).
    expect(await page.getByTestId('session-current').textContent()).toContain('Chrome on Linux');
    expect(await page.getByTestId('session-other').textContent()).toMatch(/^node/);
    await page.getByTestId('session-other').getByRole('button', { name: /^Sign out the session/ }).click();
    await expect.poll(() => page.getByTestId('session-other').count(), { timeout: WAIT }).toBe(0);
    const refused = await web.platform.gql(`mutation($r: String!) { refreshSession(refreshToken: $r) { accessToken } }`, { r: otherRefresh });
    expect(codesOf(refused)).toHaveLength(1);
    expect(codesOf(refused)[0]).toMatch(/^REFRESH_TOKEN_|SESSION_EXPIRED/);

    // Two-step verification: the secret (and its QR code), a first code, the recovery codes once.
    await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!;
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    await photograph(page, 'account-two-factor-enrol');
    await page.getByLabel('Code from the app').fill(await totpAt(secret, new Date()));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    expect(await page.getByTestId('recovery-codes').locator('li').count()).toBeGreaterThanOrEqual(8);
    await expect.poll(() => page.getByTestId('two-factor-status').textContent(), { timeout: WAIT }).toMatch(/^On/);
    await photograph(page, 'account-two-factor-on');
    // Signing in with the password alone now asks for the second factor.
    const again = await web.platform.gql(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email, password } });
    expect(codesOf(again)).toEqual(['SECOND_FACTOR_REQUIRED']);
    expect(findings).toEqual([]);
  }, CASE_TIMEOUT);

  it('lists runs filtered by status and workflow, a page at a time by cursor', async () => {
    const token = await tokenOf(linus.email);
    const definitions = await web.platform.gql(`query($o: ID!) { organization(id: $o) { workflows(first: 20) { nodes { id name } } } }`, { o: organizationId }, token);
    const vendor = definitions.data!.organization.workflows.nodes.find((d: { name: string }) => d.name === 'Vendor onboarding') as { id: string; name: string };
    for (let i = 0; i < 12; i++) {
      const started = await web.platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId: vendor.id, idempotencyKey: `runs-page-${i}-${organizationId}` } }, token);
      expect(started.errors).toBeUndefined();
    }
    const expected = await web.platform.gql(`query($o: ID!, $f: OrganizationWorkflowRunFilter) { organization(id: $o) { workflowRuns(first: 1, filter: $f) { totalCount } } }`, { o: organizationId, f: { status: 'ACTIVE', definitionId: vendor.id } }, token);
    const total = expected.data!.organization.workflowRuns.totalCount as number;
    expect(total).toBeGreaterThan(10);

    const page = await browse('/runs');
    await signInAs(page, linus.email);
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await page.getByTestId('run-row').first().waitFor();
    await choose(page, 'Status', 'active');
    await choose(page, 'Workflow', vendor.name);
    await page.getByText(`Page 1 · ${total} in all`).waitFor();
    await expect.poll(() => page.getByTestId('run-row').count(), { timeout: WAIT }).toBe(10);
    expect(new Set(await page.getByTestId('run-row').getByRole('link').allTextContents())).toEqual(new Set([vendor.name]));
    await photograph(page, 'runs');
    const firstPage = await page.getByTestId('run-row').getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href')));

    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText(`Page 2 · ${total} in all`).waitFor();
    await expect.poll(() => page.getByTestId('run-row').count(), { timeout: WAIT }).toBe(Math.min(10, total - 10));
    const secondPage = await page.getByTestId('run-row').getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(secondPage.filter((href) => firstPage.includes(href))).toEqual([]);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByText(`Page 1 · ${total} in all`).waitFor();

    // A filter nothing matches says so.
    await page.getByLabel('State').fill('no_such_state');
    await page.getByText('No runs match these filters').waitFor();
    expect(findings).toEqual([]);
  }, CASE_TIMEOUT);

  it('uploads a new version of a file from the files screen, directly: the same file, version 2, the older kept', async () => {
    const page = await browse('/files');
    await signInAs(page, ada.email);
    await page.getByRole('heading', { name: 'Files' }).waitFor();
    const graphqlBodies: string[] = [];
    page.on('request', (request) => void (request.url().endsWith('/graphql') && graphqlBodies.push(request.postData() ?? '')));
    const name = `offer-${Date.now()}.txt`;
    await page.getByTestId('file-input').setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from('Offer: four chairs\n') });
    const row = page.getByRole('row').filter({ hasText: name });
    await expect.poll(() => row.getByTestId('file-version').textContent(), { timeout: WAIT }).toBe('1');
    const second = Buffer.from('Offer, revised: four chairs, 230 EUR\n');
    await row.getByTestId('file-version-input').setInputFiles({ name: 'anything.txt', mimeType: 'text/plain', buffer: second });
    await expect.poll(() => row.getByTestId('file-version').textContent(), { timeout: WAIT }).toBe('2');
    expect(await row.count()).toBe(1);
    expect(graphqlBodies.join('\n')).toContain('CreateVersionUpload');
    expect(graphqlBodies.join('\n')).not.toContain('230 EUR');
    const token = await tokenOf(ada.email);
    const listed = await web.platform.gql(`query($o: ID!) { organization(id: $o) { files(first: 100) { nodes { name currentVersion versions { version size } } } } }`, { o: organizationId }, token);
    const file = listed.data!.organization.files.nodes.filter((f: { name: string }) => f.name === name);
    expect(file).toEqual([{ name, currentVersion: 2, versions: [{ version: 2, size: second.length }, { version: 1, size: 'Offer: four chairs\n'.length }] }]);
    await photograph(page, 'files-new-version');
    expect(findings).toEqual([]);
  }, CASE_TIMEOUT);

  it('moves the dashboard charts when events are ingested, without a reload', async () => {
    const page = await browse('/');
    await signInAs(page, ada.email);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    const events = page.getByTestId('events-chart');
    const throughput = page.getByTestId('throughput-chart');
    await events.waitFor();
    await page.locator('[data-live="live"]').waitFor();
    const before = { total: Number(await events.getAttribute('data-total')), started: Number(await throughput.getAttribute('data-started')) };
    await photograph(page, 'dashboard-charts');

    const ingest = await web.platform.gql(
      `mutation($i: IngestEventsInput!) { ingestEvents(input: $i) { accepted } }`,
      { i: { organizationId, events: [0, 1, 2].map((n) => ({ id: `chart-${Date.now()}-${n}`, type: 'workflow.run.started' })) } },
      await tokenOf(ada.email),
    );
    expect(ingest.data).toEqual({ ingestEvents: { accepted: 3 } });
    await expect.poll(async () => Number(await throughput.getAttribute('data-started')), { timeout: WAIT }).toBeGreaterThanOrEqual(before.started + 3);
    await expect.poll(async () => Number(await events.getAttribute('data-total')), { timeout: WAIT }).toBeGreaterThanOrEqual(before.total + 3);
    await photograph(page, 'dashboard-charts-live');
    expect(findings).toEqual([]);
  }, CASE_TIMEOUT);
});

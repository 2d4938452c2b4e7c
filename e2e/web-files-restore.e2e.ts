import { testEnv } from '@organoise/core/testing';
import { DEMO_PASSWORD, DEMO_USERS } from '@organoise/platform';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { accessibilityProblems, useWebE2e } from './browser.js';

// Recently deleted and restore on the web app's Files screen (docs/decisions/0014-file-soft-delete.md)
// in real Chromium against the whole platform: an admin deletes a file, finds it under Recently
// deleted, restores it and finds it back in the list; a member is offered no such view; another
// organization's admin sees none of it. The app does not touch the database: Postgres only, as web.e2e.ts.
const CASE_TIMEOUT = 120_000;
const [, grace, linus] = DEMO_USERS;
const FILE_NAME = `minutes-${Date.now()}.txt`;

describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('the web app: recently deleted files and their restore', () => {
  const web = useWebE2e({ demo: true });
  // Page errors, console errors and axe's serious/critical findings.
  const findings = web.findings;

  async function signedIn(email: string, password: string, path: string): Promise<Page> {
    const page = await web.open('/');
    await web.signIn(page, email, { password });
    // Opened by its URL, as a shared link or a reload would (the tab stays signed in).
    await page.goto(new URL(path, web.platform.gateway.url).href);
    await page.getByTestId('signed-in-as').waitFor();
    return page;
  }

  const chunkLoaded = (page: Page) => page.evaluate(() => performance.getEntriesByType('resource').some((entry) => /\/DeletedFiles-[^/]*\.js$/.test(entry.name)));
  const filesTable = (page: Page) => page.getByRole('table', { name: 'Files', exact: true });
  const deletedTable = (page: Page) => page.getByRole('table', { name: 'Recently deleted files' });

  it('an admin deletes a file, finds it under Recently deleted with who and when, restores it and finds it back in the list', async () => {
    const page = await signedIn(grace.email, DEMO_PASSWORD, '/files');
    await page.getByRole('heading', { name: 'Files', level: 1 }).waitFor();
    // The view is its own chunk: the file list alone did not load it.
    expect(await chunkLoaded(page)).toBe(false);
    await page.getByTestId('file-input').setInputFiles({ name: FILE_NAME, mimeType: 'text/plain', buffer: Buffer.from('Agenda: chairs\n') });
    await filesTable(page).getByRole('cell', { name: FILE_NAME, exact: true }).waitFor();

    await page.getByRole('button', { name: `Delete ${FILE_NAME}` }).click();
    await filesTable(page).getByRole('cell', { name: FILE_NAME, exact: true }).waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Recently deleted' }).click();
    expect(new URL(page.url()).search).toBe('?view=deleted');
    const row = deletedTable(page).getByTestId('deleted-file-row').filter({ hasText: FILE_NAME });
    await row.waitFor();
    expect(await chunkLoaded(page)).toBe(true);
    expect(await row.textContent()).toContain(grace.name);
    // Removed for good 30 days (FILE_RETENTION_DAYS' default) after the deletion.
    const purge = (await row.getByTestId('deleted-file-purge').textContent())!;
    expect(purge).toBe(new Date(Date.now() + 30 * 24 * 60 * 60 * 1000).toLocaleDateString('en-US'));
    for (const violation of await accessibilityProblems(page)) findings.push(`axe on Recently deleted: ${violation}`);

    await row.getByRole('button', { name: `Restore ${FILE_NAME}` }).click();
    await page.getByRole('status').filter({ hasText: `Restored ${FILE_NAME}` }).waitFor();
    await row.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'All files' }).click();
    await filesTable(page).getByRole('cell', { name: FILE_NAME, exact: true }).waitFor();
    // A reload reads it from the API again, not from the page's cache.
    await page.reload();
    await filesTable(page).getByRole('cell', { name: FILE_NAME, exact: true }).waitFor();
    expect(findings).toEqual([]);
  }, CASE_TIMEOUT);

  it('offers a member no Recently deleted view, not even by its URL, and never loads it', async () => {
    const page = await signedIn(linus.email, DEMO_PASSWORD, '/files?view=deleted');
    await page.getByRole('heading', { name: 'Files', level: 1 }).waitFor();
    await filesTable(page).or(page.getByText('No files yet')).waitFor();
    expect(await page.getByRole('button', { name: 'Recently deleted' }).count()).toBe(0);
    expect(await deletedTable(page).count()).toBe(0);
    expect(await chunkLoaded(page)).toBe(false);
    expect(findings).toEqual([]);
  }, CASE_TIMEOUT);

  it("shows another organization's admin none of this organization's deleted files", async () => {
    // Deleted in Acme through the API, by its admin.
    const token = await web.tokenOf(grace.email);
    const orgs = await web.platform.gql(`{ organizations { nodes { id } } }`, {}, token);
    const acme = orgs.data!.organizations.nodes[0].id as string;
    const hidden = `hidden-${Date.now()}.txt`;
    const uploaded = await web.platform.gql(
      `mutation($i: UploadFileInput!) { uploadFile(input: $i) { id } }`,
      { i: { organizationId: acme, name: hidden, contentType: 'text/plain', contentBase64: Buffer.from('x').toString('base64') } },
      token,
    );
    const fileId = uploaded.data!.uploadFile.id as string;
    expect((await web.platform.gql(`mutation($id: ID!) { deleteFile(id: $id) { deletedFileId } }`, { id: fileId }, token)).data).toEqual({ deleteFile: { deletedFileId: fileId } });

    // The owner (an admin and more) of an organization of her own.
    const email = `kim-${Date.now()}@example.com`;
    const password = 'kim-password-123';
    const signedUp = await web.platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email, password, name: 'Kim Other' } });
    await web.platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Kim Co', slug: `kim-${Date.now()}` } }, signedUp.data!.signUp.accessToken as string);

    const page = await signedIn(email, password, '/files?view=deleted');
    await page.getByRole('button', { name: 'Recently deleted', pressed: true }).waitFor();
    await page.getByText('No recently deleted files').waitFor();
    expect(await page.getByText(hidden).count()).toBe(0);
    expect(findings).toEqual([]);
  }, CASE_TIMEOUT);
});

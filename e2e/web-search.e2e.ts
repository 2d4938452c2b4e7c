import { testEnv } from '@organoise/core/testing';
import { DEMO_ORGANIZATION, DEMO_USERS } from '@organoise/platform';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { accessibilityProblems, useWebE2e } from './browser.js';

// The web app's search (issue 15) in real Chromium against the whole platform: the app bar's
// field opens /search, whose hits mark the matched words, filter by type and link to their pages.
// The app does not touch the database, so Postgres only, as web.e2e.ts.

describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('the web app’s search', () => {
  const web = useWebE2e({ demo: true });
  const problems = web.findings;

  /** Waits through the API until the indexer has caught up with the seeded definitions and runs. */
  async function indexed(email: string) {
    const token = await web.tokenOf(email);
    const orgs = await web.platform.gql(`{ organizations { nodes { id slug } } }`, {}, token);
    const org = (orgs.data!.organizations.nodes as { id: string; slug: string }[]).find((o) => o.slug === DEMO_ORGANIZATION.slug)!.id;
    for (;;) {
      const res = await web.platform.gql(`query($o: ID!) { search(organizationId: $o, query: "expense") { facets { type count } } }`, { o: org }, token);
      const types = (res.data?.search.facets as { type: string }[] | undefined)?.map((f) => f.type) ?? [];
      if (types.includes('WORKFLOW_DEFINITION') && types.includes('WORKFLOW_RUN')) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function openSignedIn(email: string): Promise<Page> {
    const page = await web.open('/');
    await web.signIn(page, email);
    return page;
  }

  it('the app bar’s field opens /search: the hit’s matched word is marked, a type chip filters, and the hit links to its definition', async () => {
    const grace = DEMO_USERS[1];
    await indexed(grace.email);
    const page = await openSignedIn(grace.email);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    // The search screen is its own chunk: the dashboard did not load it.
    const loaded = () => page.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name));
    expect((await loaded()).some((url) => /\/SearchPage-[^/]*\.js$/.test(url))).toBe(false);

    const field = page.getByRole('searchbox', { name: 'Search' });
    await field.fill('expense');
    await field.press('Enter');
    await page.getByRole('heading', { name: 'Search: expense', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/search?q=expense');
    expect((await loaded()).some((url) => /\/SearchPage-[^/]*\.js$/.test(url))).toBe(true);
    // The field keeps the words on the search page.
    expect(await field.inputValue()).toBe('expense');

    const results = page.getByRole('list', { name: 'Search results' });
    const definition = results.getByRole('link', { name: 'Expense approval', exact: true });
    await definition.waitFor();
    expect(await definition.locator('mark').allTextContents()).toEqual(['Expense']);
    // Runs of it are found too, before any filter.
    const types = () => results.getByTestId('search-hit-type').allTextContents();
    expect(await types()).toEqual(expect.arrayContaining(['Workflow', 'Run']));
    for (const problem of await accessibilityProblems(page)) problems.push(`axe on search: ${problem}`);

    // A facet chip, with its count, narrows the hits to its type (and says so in the URL).
    const filters = page.getByRole('group', { name: 'Filter by type' });
    const workflows = filters.getByRole('button', { name: /^Workflows \d+$/ });
    const count = Number((await workflows.textContent())!.replace(/\D/g, ''));
    expect(count).toBeGreaterThan(0);
    await workflows.click();
    await expect.poll(() => new URL(page.url()).searchParams.get('type')).toBe('WORKFLOW_DEFINITION');
    await expect.poll(async () => [...new Set(await types())]).toEqual(['Workflow']);
    expect(await types()).toHaveLength(count);
    expect(await workflows.getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('status').filter({ hasText: `${count === 1 ? '1 result' : `${count} results`} in workflows` }).waitFor();

    // Its link opens the definition's page.
    await results.getByRole('link', { name: 'Expense approval', exact: true }).click();
    await page.getByRole('heading', { name: 'Expense approval', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/workflows\/[^/]+$/);

    // Back: the filtered search again, from the URL.
    await page.goBack();
    await page.getByRole('heading', { name: 'Search: expense', level: 1 }).waitFor();
    await expect.poll(async () => [...new Set(await types())]).toEqual(['Workflow']);

    // Words that match nothing: said so.
    await field.fill('zzqxv');
    await field.press('Enter');
    await page.getByText('Nothing found for “zzqxv”').waitFor();
    expect(problems).toEqual([]);
  }, 180_000);

  it('“Load more” brings the next page of hits (after the last cursor) below the first', async () => {
    const grace = DEMO_USERS[1];
    const token = await web.tokenOf(grace.email);
    const orgs = await web.platform.gql(`{ organizations { nodes { id slug } } }`, {}, token);
    const org = (orgs.data!.organizations.nodes as { id: string; slug: string }[]).find((o) => o.slug === DEMO_ORGANIZATION.slug)!.id;
    // One more definition than a page holds (20), all with the word "zephyr".
    for (let i = 1; i <= 21; i++) {
      const created = await web.platform.gql(
        `mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }`,
        { i: { organizationId: org, key: `zephyr-${i}`, name: `Zephyr check ${i}`, initialState: 'open', idempotencyKey: crypto.randomUUID(), states: [{ name: 'open' }, { name: 'done', final: true }], transitions: [{ name: 'finish', from: 'open', to: 'done', allowedRoles: ['OWNER', 'ADMIN', 'MEMBER'] }] } },
        token,
      );
      expect(created.errors).toBeUndefined();
    }
    for (;;) {
      const res = await web.platform.gql(`query($o: ID!) { search(organizationId: $o, query: "zephyr") { totalCount } }`, { o: org }, token);
      if ((res.data?.search.totalCount as number | undefined) === 21) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const page = await openSignedIn(grace.email);
    const field = page.getByRole('searchbox', { name: 'Search' });
    await field.fill('zephyr');
    await field.press('Enter');
    const links = page.getByRole('list', { name: 'Search results' }).getByTestId('search-hit-link');
    await page.getByRole('status').filter({ hasText: '21 results' }).waitFor();
    expect(await links.count()).toBe(20);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => links.count()).toBe(21);
    const names = await links.allTextContents();
    expect(new Set(names).size).toBe(21);
    expect([...names].sort()).toEqual(Array.from({ length: 21 }, (_, i) => `Zephyr check ${i + 1}`).sort());
    // The last page: no button left.
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    expect(problems).toEqual([]);
  }, 180_000);
});

import { randomUUID } from 'node:crypto';
import { testEnv } from '@organoise/core/testing';
import { DEMO_ORGANIZATION, DEMO_USERS } from '@organoise/platform';
import postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, useWebE2e, WAIT } from './browser.js';

// The admin's members list of an organization larger than one page, in real Chromium against the
// whole platform: "Load more" reaches the last member, the search finds one, and a role change and a
// removal made by another admin through the API show while the list is open (membershipChanged).
// Postgres only, as the other web e2e files: the app does not touch the database.
const CASE_TIMEOUT = 180_000;
// More than two pages of 50 (MembersDocument's page) beside the demo's four.
const SEEDED = 120;
const [ada, grace] = DEMO_USERS;
const bulkEmail = (n: number) => `bulk-${String(n).padStart(3, '0')}@members.test`;
const bulkName = (n: number) => `Bulk Person ${String(n).padStart(3, '0')}`;

describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('the web app: members of a large organization', () => {
  const web = useWebE2e({ demo: true });
  const { findings } = web;
  let organizationId: string;

  beforeAll(async () => {
    const orgs = await web.platform.gql(`{ organizations { nodes { id name } } }`, {}, await web.tokenOf(ada.email));
    organizationId = orgs.data!.organizations.nodes.find((o: { name: string }) => o.name === DEMO_ORGANIZATION.name).id as string;
    // Straight into the user subgraph's tables, one joining second apart (the list's order):
    // signing 120 people up through the API would hash 120 passwords, which is not what this tests.
    const sql = postgres(web.platform.database.url!, { max: 1, onnotice: () => {} });
    try {
      const people = Array.from({ length: SEEDED }, (_, i) => ({ id: randomUUID(), n: i + 1 }));
      await sql`insert into users.users ${sql(people.map((p) => ({ id: p.id, email: bulkEmail(p.n), name: bulkName(p.n), password_hash: '!' })))}`;
      await sql`insert into users.memberships ${sql(people.map((p) => ({ id: randomUUID(), organization_id: organizationId, user_id: p.id, role: 'MEMBER', created_at: new Date(Date.now() + p.n * 1000) })))}`;
    } finally {
      await sql.end();
    }
  }, CASE_TIMEOUT);

  it(
    'an owner removes a member and loads every page up to the last one, sees another admin’s role changes and removal live, and finds one member by email',
    async () => {
      const total = SEEDED + DEMO_USERS.length;
      const page = await web.open('/admin/members');
      await web.signIn(page, ada.email);
      const table = page.getByRole('table', { name: 'Members' });
      await table.waitFor();
      const rows = table.locator('tbody tr');
      await expect.poll(() => rows.count(), { timeout: WAIT }).toBe(50);
      await page.getByTestId('members-count').getByText(`50 of ${total} members shown`).waitFor();
      expect(await page.getByTestId(`member-${bulkEmail(SEEDED)}`).count()).toBe(0);
      // Live before any change: the events below must arrive on the open subscription.
      await page.locator('[data-live="live"]').waitFor();
      const graceToken = await web.tokenOf(grace.email);
      const userIdOf = async (email: string) => {
        const found = await web.platform.gql(`query($o: ID!, $s: String) { organization(id: $o) { members(filter: { search: $s }) { nodes { user { id email } } } } }`, { o: organizationId, s: email }, graceToken);
        return found.data!.organization.members.nodes[0].user.id as string;
      };

      // The owner removes someone from the first page: the row goes and the count drops once,
      // though both the answer and the live event about it arrive. The event of a later change
      // (grace's, through the API) has arrived once that change shows, so the removal's has too.
      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: `Remove ${bulkName(2)}` }).click();
      await expect.poll(() => page.getByTestId(`member-${bulkEmail(2)}`).count(), { timeout: WAIT }).toBe(0);
      const demoted = await web.platform.gql(`mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { role } }`, { i: { organizationId, userId: await userIdOf(bulkEmail(1)), role: 'VIEWER' } }, graceToken);
      expect(demoted.errors).toBeUndefined();
      await page.getByRole('combobox', { name: `Role of ${bulkName(1)}` }).getByText('viewer', { exact: true }).waitFor();
      await page.getByTestId('members-count').getByText(`49 of ${total - 1} members shown`).waitFor();

      // Load more until there is no more: the last one to join is then shown.
      const more = page.getByRole('button', { name: 'Load more' });
      for (let shown = 49; shown < total - 1; shown = Math.min(total - 1, shown + 50)) {
        await more.click();
        await expect.poll(() => rows.count(), { timeout: WAIT }).toBe(Math.min(total - 1, shown + 50));
      }
      await page.getByTestId(`member-${bulkEmail(SEEDED)}`).waitFor();
      expect(await more.count()).toBe(0);
      await page.getByTestId('members-count').getByText(`${total - 1} members`, { exact: true }).waitFor();

      // Another admin changes a role and removes someone through the API, on pages 3 and 1.
      const promoted = await web.platform.gql(
        `mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { role } }`,
        { i: { organizationId, userId: await userIdOf(bulkEmail(SEEDED - 1)), role: 'VIEWER' } },
        graceToken,
      );
      expect(promoted.errors).toBeUndefined();
      await page.getByRole('combobox', { name: `Role of ${bulkName(SEEDED - 1)}` }).getByText('viewer', { exact: true }).waitFor();
      const removed = await web.platform.gql(`mutation($i: RemoveMemberInput!) { removeMember(input: $i) { removedUserId } }`, { i: { organizationId, userId: await userIdOf(bulkEmail(3)) } }, graceToken);
      expect(removed.errors).toBeUndefined();
      await expect.poll(() => page.getByTestId(`member-${bulkEmail(3)}`).count(), { timeout: WAIT }).toBe(0);
      await page.getByTestId('members-count').getByText(`${total - 2} members`, { exact: true }).waitFor();
      expect(await rows.count()).toBe(total - 2);

      // The search: a part of an email finds exactly that member.
      await page.getByRole('searchbox', { name: 'Find a member' }).fill('BULK-077@');
      await page.getByTestId('members-count').getByText('1 member matching “BULK-077@”').waitFor();
      await expect.poll(() => rows.count(), { timeout: WAIT }).toBe(1);
      await page.getByTestId(`member-${bulkEmail(77)}`).waitFor();
      await page.getByRole('searchbox', { name: 'Find a member' }).fill('nobody-here');
      await page.getByText('No member matches “nobody-here”').waitFor();

      for (const violation of await accessibilityProblems(page)) findings.push(`axe: ${violation}`);
      expect(findings).toEqual([]);
    },
    CASE_TIMEOUT,
  );
});

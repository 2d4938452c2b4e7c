import { DEMO_ORGANIZATION, seedDemo } from '@organoise/platform';
import { codesOf } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './harness.js';

// Search through the gateway on the whole platform: the search subgraph's indexer follows the
// real user and workflow subgraphs (their search source routes), and each hit is completed by the
// subgraph that owns it.
let platform: TestPlatform;
const tokens: Record<string, string> = {};
let orgId: string;

const SEARCH = /* GraphQL */ `
  query Search($org: ID!, $q: String!, $types: [SearchType!]) {
    search(organizationId: $org, query: $q, types: $types) {
      totalCount
      facets { type count }
      edges {
        highlights { field text matches { start length } }
        node {
          __typename
          ... on User { id name }
          ... on WorkflowDefinition { id name key }
          ... on WorkflowRun { id state }
          ... on HumanTask { id title }
          ... on File { id name }
        }
      }
    }
  }
`;

type Hit = { highlights: { field: string; text: string; matches: { start: number; length: number }[] }[]; node: Record<string, string> };
const search = async (q: string, token = tokens.OWNER!, types?: string[]) => {
  const res = await platform.gql(SEARCH, { org: orgId, q, ...(types ? { types } : {}) }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.search as { totalCount: number; facets: { type: string; count: number }[]; edges: Hit[] };
};
/** Asks until `check` holds: the index catches up within passes of its indexer, not a fixed time. */
const eventually = async <T>(ask: () => Promise<T>, check: (value: T) => boolean): Promise<T> => {
  for (;;) {
    const value = await ask();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

beforeAll(async () => {
  platform = await startTestPlatform();
  const seeded = await seedDemo(platform.gateway.url);
  expect(seeded.created).toBe(true);
  Object.assign(tokens, await platform.demoTokens());
  const orgs = await platform.gql(`{ organizations { nodes { id slug } } }`, {}, tokens.OWNER);
  orgId = orgs.data!.organizations.nodes.find((o: { slug: string }) => o.slug === DEMO_ORGANIZATION.slug).id;
});

afterAll(async () => {
  await platform?.stop();
});

describe('search across the platform (real sources, through the gateway)', () => {
  it('finds members and workflow definitions, completed by the subgraphs that own them', async () => {
    const people = await eventually(() => search('grace'), (s) => s.totalCount > 0);
    expect(people.edges.map((e) => e.node)).toEqual([{ __typename: 'User', id: expect.any(String), name: 'Grace Hopper' }]);
    const expense = await eventually(() => search('expense', tokens.OWNER, ['WORKFLOW_DEFINITION']), (s) => s.totalCount > 0);
    expect(expense.edges[0]!.node).toMatchObject({ __typename: 'WorkflowDefinition', name: 'Expense approval' });
    const title = expense.edges[0]!.highlights.find((h) => h.field === 'TITLE')!;
    expect(title.text.slice(title.matches[0]!.start, title.matches[0]!.start + title.matches[0]!.length)).toBe('Expense');
    // A typo in a name.
    expect((await search('expnse', tokens.OWNER, ['WORKFLOW_DEFINITION'])).totalCount).toBeGreaterThan(0);
    // Files (the file source), by a word of their name, and runs and tasks (the workflow source).
    const receipts = await eventually(() => search('receipt', tokens.OWNER, ['FILE']), (r) => r.totalCount > 0);
    expect(receipts.edges[0]!.node).toMatchObject({ __typename: 'File', name: expect.stringContaining('receipt') });
    const review = await eventually(() => search('review', tokens.OWNER, ['HUMAN_TASK']), (r) => r.totalCount > 0);
    expect(review.edges[0]!.node).toMatchObject({ __typename: 'HumanTask', title: expect.stringMatching(/^Review/) });
    const runs = await eventually(() => search('expense', tokens.OWNER, ['WORKFLOW_RUN']), (r) => r.totalCount > 0);
    expect(runs.edges[0]!.node).toMatchObject({ __typename: 'WorkflowRun', state: expect.any(String) });
  }, 300_000);

  it('a new definition is searchable shortly after it is created', async () => {
    const created = await platform.gql(
      `mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }`,
      {
        i: {
          organizationId: orgId,
          key: 'procurement-check',
          name: 'Procurement checklist',
          initialState: 'open',
          idempotencyKey: crypto.randomUUID(),
          states: [{ name: 'open' }, { name: 'done', final: true }],
          transitions: [{ name: 'finish', from: 'open', to: 'done', allowedRoles: ['OWNER', 'ADMIN', 'MEMBER'] }],
        },
      },
      tokens.ADMIN,
    );
    expect(created.errors).toBeUndefined();
    const id = created.data!.createWorkflowDefinition.id as string;
    const found = await eventually(() => search('procurem'), (s) => s.edges.some((e) => e.node.id === id));
    expect(found.edges.find((e) => e.node.id === id)!.node).toMatchObject({ __typename: 'WorkflowDefinition', name: 'Procurement checklist' });
  }, 300_000);

  it('refuses another organization’s members (NOT_FOUND) and long queries (BAD_USER_INPUT)', async () => {
    const up = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email: `stranger-${Date.now()}@example.com`, password: 'stranger password', name: 'Stranger' } });
    const stranger = up.data!.signUp.accessToken as string;
    expect(codesOf(await platform.gql(SEARCH, { org: orgId, q: 'grace' }, stranger))).toEqual(['NOT_FOUND']);
    expect(codesOf(await platform.gql(SEARCH, { org: orgId, q: 'x'.repeat(300) }, tokens.OWNER))).toEqual(['BAD_USER_INPUT']);
  });
});

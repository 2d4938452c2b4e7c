import { codesOf, postGraphQL } from '@organoise/core/testing';
import { DEMO_ORGANIZATION, DEMO_PASSWORD, DEMO_USERS, seedDemo } from '@organoise/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchServices } from '@organoise/subgraph-search';
import { startTestPlatform, type TestPlatform } from './harness.js';

// The whole platform through the gateway, serving the committed supergraph, seeded with the
// same demo data `npm start` creates.
let platform: TestPlatform;
const tokens: Record<string, string> = {};
let orgId: string;

async function signIn(email: string, password = DEMO_PASSWORD) {
  const res = await platform.gql(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email, password } });
  expect(res.errors).toBeUndefined();
  return res.data!.signIn.accessToken as string;
}

let n = 0;
async function newUserWithOrg() {
  const email = `outsider-${Date.now()}-${n++}@example.com`;
  const up = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email, password: 'outsider password', name: 'Mallory' } });
  const token = up.data!.signUp.accessToken as string;
  const org = await platform.gql(`mutation { createOrganization(input: { name: "Mallory Inc", slug: "mallory-${Date.now()}-${n++}" }) { id } }`, {}, token);
  return { token, email, orgId: org.data!.createOrganization.id as string };
}

beforeAll(async () => {
  platform = await startTestPlatform();
  const seeded = await seedDemo(platform.gateway.url);
  expect(seeded.created).toBe(true);
  for (const u of DEMO_USERS) tokens[u.role] = await signIn(u.email);
  const orgs = await platform.gql(`{ organizations { nodes { id slug } } }`, {}, tokens.OWNER);
  orgId = orgs.data!.organizations.nodes.find((o: { slug: string }) => o.slug === DEMO_ORGANIZATION.slug).id;
});

afterAll(async () => {
  await platform?.stop();
});

const DASHBOARD = `query Dashboard($id: ID!) {
  organization(id: $id) {
    name
    members(orderBy: { field: NAME, direction: ASC }) { nodes { role user { name } } }
    workflows(orderBy: { field: NAME, direction: ASC }) {
      nodes {
        key
        stats { runsStarted runsCompleted }
        runs(first: 10, orderBy: { field: STARTED_AT, direction: ASC }) {
          totalCount
          nodes { state startedBy { name } files { nodes { name contentType } } }
        }
      }
    }
    activity(bucket: DAY) { activeUsers totals { type count } }
  }
}`;

describe('one query across four subgraphs', () => {
  it('answers members (user), runs (workflow), their starters (user), files (file) and activity (analytics) together', async () => {
    const res = await platform.gql(DASHBOARD, { id: orgId }, tokens.VIEWER);
    expect(res.errors).toBeUndefined();
    const org = res.data!.organization;
    expect(org.name).toBe(DEMO_ORGANIZATION.name);
    expect(org.members.nodes).toEqual([
      { role: 'OWNER', user: { name: 'Ada Lovelace' } },
      { role: 'ADMIN', user: { name: 'Grace Hopper' } },
      { role: 'MEMBER', user: { name: 'Linus Pauling' } },
      { role: 'VIEWER', user: { name: 'Vera Rubin' } },
    ]);
    const [expense, onboarding] = org.workflows.nodes;
    expect(expense.key).toBe('expense-approval');
    expect(expense.stats).toEqual({ runsStarted: 6, runsCompleted: 3 });
    expect(expense.runs.totalCount).toBe(6);
    expect(expense.runs.nodes.map((r: { state: string }) => r.state)).toEqual(['approved', 'approved', 'rejected', 'submitted', 'draft', 'draft']);
    expect(expense.runs.nodes[0]).toEqual({
      state: 'approved',
      startedBy: { name: 'Grace Hopper' },
      files: { nodes: [{ name: 'conference-travel-receipt.txt', contentType: 'text/plain' }] },
    });
    expect(onboarding.runs.nodes).toEqual([{ state: 'security_review', startedBy: { name: 'Linus Pauling' }, files: { nodes: [] } }]);
    expect(org.activity.activeUsers).toBe(4);
    expect(org.activity.totals).toContainEqual({ type: 'workflow.run.started', count: 7 });
  });

  it('batches entity references: twenty runs cost the same queries as two', async () => {
    const { token, orgId: ownOrg } = await newUserWithOrg();
    const def = await platform.gql(
      `mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }`,
      { i: { organizationId: ownOrg, key: 'batch', name: 'Batch', initialState: 'open', states: [{ name: 'open' }, { name: 'done', final: true }], transitions: [{ name: 'close', from: 'open', to: 'done', allowedRoles: ['OWNER'] }] } },
      token,
    );
    const definitionId = def.data!.createWorkflowDefinition.id;
    const start = () => platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId } }, token);
    const RUNS = `query($id: ID!) { organization(id: $id) { workflowRuns(first: 50) { nodes { startedBy { name } files { totalCount } } } } }`;
    // The search indexer's polls of the user and file subgraphs (their search source routes) would be counted too.
    const indexer = (platform.subgraphs.search as unknown as { services: SearchServices }).services.indexer;
    const countQueries = async () => {
      await platform.gql(RUNS, { id: ownOrg }, token); // warm the principal cache
      await indexer?.pause();
      try {
        platform.resetQueries();
        const res = await platform.gql(RUNS, { id: ownOrg }, token);
        expect(res.errors).toBeUndefined();
        return { runs: res.data!.organization.workflowRuns.nodes.length, user: platform.queries.user.length, file: platform.queries.file.length };
      } finally {
        indexer?.resume();
      }
    };
    for (let i = 0; i < 2; i++) await start();
    const few = await countQueries();
    for (let i = 0; i < 18; i++) await start();
    const many = await countQueries();
    expect(few.runs).toBe(2);
    expect(many.runs).toBe(20);
    expect(many.user).toBe(few.user);
    expect(many.file).toBe(few.file);
    expect(many.user).toBeGreaterThan(0);
  });
});

describe('tenant isolation through the gateway', () => {
  it("gives another tenant NOT_FOUND for every kind of object, and changes nothing", async () => {
    const mallory = await newUserWithOrg();
    const ids = await platform.gql(
      `query($id: ID!) { organization(id: $id) { workflows { nodes { id runs(first: 1) { nodes { id files { nodes { id } } } } } } } }`,
      { id: orgId },
      tokens.OWNER,
    );
    const definition = ids.data!.organization.workflows.nodes[0];
    const run = definition.runs.nodes[0];
    const file = run.files.nodes[0];
    const reads: [string, Record<string, unknown>][] = [
      [`query($id: ID!) { organization(id: $id) { name } }`, { id: orgId }],
      [`query($id: ID!) { workflowDefinition(id: $id) { name } }`, { id: definition.id }],
      [`query($id: ID!) { workflowRun(id: $id) { state } }`, { id: run.id }],
      [`query($id: ID!) { file(id: $id) { name } }`, { id: file.id }],
    ];
    for (const [query, variables] of reads) {
      const res = await platform.gql(query, variables, mallory.token);
      expect(codesOf(res), query).toEqual(['NOT_FOUND']);
    }
    const writes: [string, Record<string, unknown>][] = [
      [`mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`, { i: { runId: run.id, transition: 'approve' } }],
      [`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId: definition.id } }],
      [`mutation($i: UploadFileInput!) { uploadFile(input: $i) { id } }`, { i: { organizationId: orgId, name: 'x.txt', contentType: 'text/plain', contentBase64: 'eA==' } }],
      [`mutation($i: IngestEventsInput!) { ingestEvents(input: $i) { accepted } }`, { i: { organizationId: orgId, events: [{ id: 'evil-1', type: 'app.page.viewed' }] } }],
      [`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: orgId, email: mallory.email, role: 'OWNER' } }],
    ];
    for (const [query, variables] of writes) {
      const res = await platform.gql(query, variables, mallory.token);
      expect(codesOf(res), query).toEqual(['NOT_FOUND']);
    }
    const after = await platform.gql(DASHBOARD, { id: orgId }, tokens.OWNER);
    expect(after.data!.organization.workflows.nodes[0].runs.totalCount).toBe(6);
    expect(after.data!.organization.workflows.nodes[0].stats.runsStarted).toBe(6);
    const files = await platform.gql(`query($id: ID!) { organization(id: $id) { files { totalCount } } }`, { id: orgId }, tokens.OWNER);
    expect(files.data!.organization.files.totalCount).toBe(6);
  });

  it('refuses a direct call to any subgraph that bypasses the gateway', async () => {
    for (const [name, subgraph] of Object.entries(platform.subgraphs)) {
      const res = await postGraphQL(subgraph.url, `{ __typename }`);
      expect(res.status, name).toBe(401);
      expect(codesOf(res), name).toEqual(['INTERNAL_TOKEN_INVALID']);
    }
  });
});

describe('roles through the gateway', () => {
  it('lets a VIEWER read but not start a run, and a MEMBER submit but not approve', async () => {
    const defs = await platform.gql(`query($id: ID!) { organization(id: $id) { workflows(filter: { search: "expense" }) { nodes { id } } } }`, { id: orgId }, tokens.VIEWER);
    const definitionId = defs.data!.organization.workflows.nodes[0].id;
    const byViewer = await platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId } }, tokens.VIEWER);
    expect(codesOf(byViewer)).toEqual(['FORBIDDEN']);
    const started = await platform.gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id state } }`, { i: { definitionId } }, tokens.MEMBER);
    const runId = started.data!.startWorkflowRun.id;
    const FIRE = `mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`;
    expect((await platform.gql(FIRE, { i: { runId, transition: 'submit' } }, tokens.MEMBER)).data!.transitionWorkflowRun.state).toBe('submitted');
    const approve = await platform.gql(FIRE, { i: { runId, transition: 'approve' } }, tokens.MEMBER);
    expect(codesOf(approve)).toEqual(['TRANSITION_NOT_ALLOWED']);
    const state = await platform.gql(`query($id: ID!) { workflowRun(id: $id) { state } }`, { id: runId }, tokens.MEMBER);
    expect(state.data!.workflowRun.state).toBe('submitted');
    expect((await platform.gql(FIRE, { i: { runId, transition: 'approve' } }, tokens.ADMIN)).data!.transitionWorkflowRun.state).toBe('approved');
  });

  it('cuts a removed member off from every subgraph within the principal cache window', async () => {
    const email = `leaver-${Date.now()}@example.com`;
    const up = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, { i: { email, password: 'leaver password', name: 'Leaver' } });
    const token = up.data!.signUp.accessToken;
    const invite = await platform.gql(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: orgId, email, role: 'MEMBER' } }, tokens.OWNER);
    await platform.gql(`mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: invite.data!.inviteMember.token }, token);
    const RUNS = `query($id: ID!) { organization(id: $id) { workflowRuns(first: 1) { totalCount } } }`;
    expect((await platform.gql(RUNS, { id: orgId }, token)).errors).toBeUndefined();
    await platform.gql(`mutation($i: RemoveMemberInput!) { removeMember(input: $i) { removedUserId } }`, { i: { organizationId: orgId, userId: up.data!.signUp.user.id } }, tokens.OWNER);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // PRINCIPAL_CACHE_MS defaults to 1000
    const after = await platform.gql(RUNS, { id: orgId }, token);
    expect(codesOf(after)).toEqual(['NOT_FOUND']);
    const events = await platform.gql(`mutation($i: IngestEventsInput!) { ingestEvents(input: $i) { accepted } }`, { i: { organizationId: orgId, events: [{ id: 'after-removal', type: 'app.page.viewed' }] } }, token);
    expect(codesOf(events)).toEqual(['NOT_FOUND']);
  });

  it('refuses invalid input at the boundary with BAD_USER_INPUT and the path of each problem', async () => {
    const res = await platform.gql(`mutation($i: UploadFileInput!) { uploadFile(input: $i) { id } }`, { i: { organizationId: orgId, name: '../etc/passwd', contentType: 'nonsense', contentBase64: '***' } }, tokens.MEMBER);
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    const paths = (res.errors![0]!.extensions!.issues as { path: string }[]).map((i) => i.path).sort();
    expect(paths).toEqual(['contentBase64', 'contentType', 'name']);
  });
});

describe('seeding', () => {
  it('does nothing when run again', async () => {
    expect(await seedDemo(platform.gateway.url)).toEqual({ created: false, organizationName: DEMO_ORGANIZATION.name });
    const res = await platform.gql(`{ organizations { totalCount } }`, {}, tokens.OWNER);
    expect(res.data!.organizations.totalCount).toBe(1);
  });
});

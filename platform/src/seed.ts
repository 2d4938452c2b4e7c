import { randomUUID } from 'node:crypto';

/** Demo sign-ins printed by `npm start`. */
export const DEMO_PASSWORD = 'organoise-demo';
export const DEMO_USERS = [
  { email: 'ada@demo.organoise.dev', name: 'Ada Lovelace', role: 'OWNER' },
  { email: 'grace@demo.organoise.dev', name: 'Grace Hopper', role: 'ADMIN' },
  { email: 'linus@demo.organoise.dev', name: 'Linus Pauling', role: 'MEMBER' },
  { email: 'vera@demo.organoise.dev', name: 'Vera Rubin', role: 'VIEWER' },
] as const;
export const DEMO_ORGANIZATION = { name: 'Acme Robotics', slug: 'acme-robotics' };

type Json = Record<string, any>;

class SeedError extends Error {}

/** Codes after which a keyed write may be sent again with its key (it completes once). */
const RETRYABLE = new Set(['OUTCOME_UNKNOWN', 'SUBGRAPH_UNAVAILABLE']);

/**
 * One GraphQL call to the gateway; any other error stops the seed with its code. Create-type
 * mutations carry an idempotency key (`input.idempotencyKey`, added by the caller), so a call
 * whose answer was lost is retried, a few times, with the same key: it completes exactly once.
 */
async function gql(url: string, query: string, variables: Json, token?: string): Promise<Json> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Json; errors?: { message: string; extensions?: { code?: string } }[] };
    if (!body.errors?.length) return body.data!;
    const e = body.errors[0]!;
    // Only keyed writes are sent again: an unkeyed one (a transition) might apply twice.
    const isKeyed = typeof (variables.i as Json | undefined)?.idempotencyKey === 'string';
    if (attempt < 4 && isKeyed && RETRYABLE.has(e.extensions?.code ?? '')) {
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      continue;
    }
    throw new SeedError(`${e.extensions?.code ?? 'ERROR'}: ${e.message}`);
  }
}

/** An input with a fresh idempotency key: one per intended write, reused by every retry of it. */
const keyed = <T extends Json>(input: T) => ({ ...input, idempotencyKey: randomUUID() });

const SIGN_IN = `mutation($i: SignInInput!) { signIn(input: $i) { accessToken user { id } } }`;
const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`;

const EXPENSE = {
  key: 'expense-approval',
  name: 'Expense approval',
  description: 'A member submits an expense; an admin approves it, rejects it or asks for changes.',
  initialState: 'draft',
  states: [
    { name: 'draft' },
    { name: 'submitted', task: { title: 'Review the expense', assigneeRole: 'ADMIN' } },
    { name: 'approved', final: true },
    { name: 'rejected', final: true },
  ],
  transitions: [
    { name: 'submit', from: 'draft', to: 'submitted', allowedRoles: ['OWNER', 'ADMIN', 'MEMBER'] },
    { name: 'approve', from: 'submitted', to: 'approved', allowedRoles: ['OWNER', 'ADMIN'] },
    { name: 'reject', from: 'submitted', to: 'rejected', allowedRoles: ['OWNER', 'ADMIN'] },
    { name: 'request_changes', from: 'submitted', to: 'draft', allowedRoles: ['OWNER', 'ADMIN'] },
  ],
};

const ONBOARDING = {
  key: 'vendor-onboarding',
  name: 'Vendor onboarding',
  description: 'Security review before a new vendor gets access.',
  initialState: 'requested',
  states: [
    { name: 'requested' },
    { name: 'security_review', task: { title: 'Review the vendor', assigneeRole: 'ADMIN' } },
    { name: 'active', final: true },
    { name: 'declined', final: true },
  ],
  transitions: [
    { name: 'start_review', from: 'requested', to: 'security_review', allowedRoles: ['OWNER', 'ADMIN', 'MEMBER'] },
    { name: 'activate', from: 'security_review', to: 'active', allowedRoles: ['OWNER', 'ADMIN'] },
    { name: 'decline', from: 'security_review', to: 'declined', allowedRoles: ['OWNER', 'ADMIN'] },
  ],
};

export interface SeedResult {
  created: boolean;
  organizationName: string;
}

/**
 * Demo data for a sample organization, written through the gateway's public API (so it obeys
 * every rule a client does): four users with four roles, two workflows with runs in every state,
 * files attached to runs, and two weeks of analytics events. Does nothing if the demo owner can
 * already sign in.
 */
export async function seedDemo(gatewayUrl: string): Promise<SeedResult> {
  const owner = DEMO_USERS[0];
  try {
    await gql(gatewayUrl, SIGN_IN, { i: { email: owner.email, password: DEMO_PASSWORD } });
    return { created: false, organizationName: DEMO_ORGANIZATION.name };
  } catch (error) {
    if (!(error instanceof SeedError) || !error.message.startsWith('INVALID_CREDENTIALS')) throw error;
  }

  const users: { token: string; id: string; role: string; email: string }[] = [];
  for (const u of DEMO_USERS) {
    const data = await gql(gatewayUrl, SIGN_UP, { i: { email: u.email, password: DEMO_PASSWORD, name: u.name } });
    users.push({ token: data.signUp.accessToken, id: data.signUp.user.id, role: u.role, email: u.email });
  }
  const [ada, grace, linus] = users as [(typeof users)[0], (typeof users)[0], (typeof users)[0]];
  const org = (await gql(gatewayUrl, `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: keyed(DEMO_ORGANIZATION) }, ada.token))
    .createOrganization.id as string;
  for (const u of users.slice(1)) {
    const invite = await gql(gatewayUrl, `mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: org, email: u.email, role: u.role } }, ada.token);
    await gql(gatewayUrl, `mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: invite.inviteMember.token }, u.token);
  }

  const CREATE = `mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }`;
  const expenseId = (await gql(gatewayUrl, CREATE, { i: keyed({ organizationId: org, ...EXPENSE }) }, grace.token)).createWorkflowDefinition.id as string;
  const onboardingId = (await gql(gatewayUrl, CREATE, { i: keyed({ organizationId: org, ...ONBOARDING }) }, grace.token)).createWorkflowDefinition.id as string;

  const events: Json[] = [];
  const now = Date.now();
  const at = (hoursAgo: number) => new Date(now - hoursAgo * 3600_000).toISOString();
  const event = (type: string, actorId: string, hoursAgo: number, subjectId?: string, properties: Json = {}) =>
    events.push({ id: randomUUID(), type, actorId, occurredAt: at(hoursAgo), ...(subjectId ? { subjectId } : {}), properties });

  const START = `mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`;
  const FIRE = `mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { state } }`;
  const UPLOAD = `mutation($i: UploadFileInput!) { uploadFile(input: $i) { id } }`;
  const expenses: [string, number, string[]][] = [
    ['Conference travel', 1240, ['submit', 'approve']],
    ['Team lunch', 186, ['submit', 'approve']],
    ['Standing desks', 2300, ['submit', 'reject']],
    ['Laptop stand', 89, ['submit']],
    ['Cloud credits', 500, ['submit', 'request_changes']],
    ['Taxi to client', 42, []],
  ];
  let hoursAgo = 24 * 12;
  for (const [description, amount, path] of expenses) {
    const starter = amount > 1000 ? grace : linus;
    const runId = (await gql(gatewayUrl, START, { i: keyed({ definitionId: expenseId, data: { description, amount, currency: 'EUR' } }) }, starter.token)).startWorkflowRun.id as string;
    event('workflow.run.started', starter.id, hoursAgo, expenseId, { runId });
    const receipt = `Receipt: ${description}\nAmount: ${amount} EUR\n`;
    await gql(gatewayUrl, UPLOAD, {
      i: keyed({ organizationId: org, name: `${description.toLowerCase().replace(/\s+/g, '-')}-receipt.txt`, contentType: 'text/plain', contentBase64: Buffer.from(receipt).toString('base64'), workflowRunId: runId }),
    }, starter.token);
    for (const transition of path) {
      hoursAgo -= 7;
      const actor = transition === 'submit' ? starter : grace;
      const state = (await gql(gatewayUrl, FIRE, { i: { runId, transition } }, actor.token)).transitionWorkflowRun.state as string;
      event('workflow.run.transitioned', actor.id, hoursAgo, expenseId, { runId, transition });
      if (state === 'approved' || state === 'rejected') event('workflow.run.completed', actor.id, hoursAgo, expenseId, { runId, state });
    }
    hoursAgo -= 11;
  }
  const vendorRun = (await gql(gatewayUrl, START, { i: keyed({ definitionId: onboardingId, data: { vendor: 'Globex' } }) }, linus.token)).startWorkflowRun.id as string;
  event('workflow.run.started', linus.id, 30, onboardingId, { runId: vendorRun });
  await gql(gatewayUrl, FIRE, { i: { runId: vendorRun, transition: 'start_review' } }, linus.token);
  event('workflow.run.transitioned', linus.id, 29, onboardingId, { runId: vendorRun, transition: 'start_review' });

  // Two weeks of product usage, a deterministic pattern so the demo looks the same every time.
  const pages = ['dashboard', 'workflows', 'files', 'settings'];
  for (let day = 0; day < 14; day++) {
    users.forEach((u, i) => {
      for (let k = 0; k < ((day + i) % 4) + 1; k++) event('app.page.viewed', u.id, day * 24 + i * 2 + k, undefined, { page: pages[(day + k + i) % pages.length] });
    });
  }
  await gql(gatewayUrl, `mutation($i: IngestEventsInput!) { ingestEvents(input: $i) { accepted } }`, { i: { organizationId: org, events } }, linus.token);
  return { created: true, organizationName: DEMO_ORGANIZATION.name };
}

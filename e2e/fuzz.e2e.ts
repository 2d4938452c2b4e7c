import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { testEnv } from '@organoise/core/testing';
import { DEMO_ORGANIZATION, DEMO_PASSWORD, DEMO_USERS, seedDemo } from '@organoise/platform';
import fc from 'fast-check';
import { buildSchema } from 'graphql';
import { createClient } from 'graphql-ws';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeBody, listTargets, operationArbitrary, type GeneratedOperation, type IdPool, type Pools, type Target } from './fuzz/operations.js';
import { startTestPlatform, type TestPlatform } from './harness.js';

/*
 * Property-based fuzzing of the whole API (issue 11), generated from schema/api.graphql: every
 * root field of Query, Mutation and Subscription and every field with arguments below Query,
 * with arguments mixing plausible values (real ids of both tenants, slugs, keys) and hostile ones
 * (NUL, unpaired surrogates, bidi overrides, 1 MB strings, integer and float edges, malformed ids,
 * cursors, dates and JSON), sent as each role: the demo organization's OWNER, ADMIN, MEMBER and
 * VIEWER, the owner of another organization (OUTSIDER) and nobody (ANONYMOUS). Queries and
 * mutations go over HTTP POST, subscriptions over graphql-ws, all to the real gateway.
 *
 * Invariants, for every operation:
 *  - no HTTP 5xx, and no WebSocket close for an internal error (1011, 4500);
 *  - no INTERNAL_SERVER_ERROR, and every error's code is in docs/errors.md (or one of the Apollo
 *    request codes that pass through, see packages/core/src/format-error.ts);
 *  - a refused mutation stored nothing: the content of every table of the four subgraph schemas
 *    is the same after it as before (see snapshot() for what is and is not compared);
 *  - no answer crosses tenants: an answer to one tenant's user never holds an id of the other
 *    tenant (to nobody: of either), a query or mutation naming the other tenant's object in a
 *    direct id argument is refused or null, and a subscription to it is never started.
 *
 * Budget: FUZZ_SECONDS (time) or FUZZ_RUNS (cases per target per round), FUZZ_SEED. `npm test`
 * runs one small round with a fixed seed; `npm run fuzz` runs rounds with fresh seeds for
 * FUZZ_SECONDS (default 600 there) and prints what it saw. On PGlite each subgraph's database
 * lives inside its process where the test cannot read it, so the suite runs on Postgres only.
 */

/** A whole-number setting of the fuzz budget from the environment (validated: a typo must not mean 0). */
function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a whole number >= 0, not ${JSON.stringify(raw)}`);
  return value;
}

const budget = {
  /** Run rounds with fresh seeds for this long (`npm run fuzz`: 600); 0: one round (`npm test`). */
  seconds: setting('FUZZ_SECONDS', 0),
  /** Cases per target per round. */
  runs: setting('FUZZ_RUNS', setting('FUZZ_SECONDS', 0) > 0 ? 10 : 2),
  /** The first round's seed; round n uses seed + 10000 n. */
  seed: setting('FUZZ_SEED', 1_105),
  /** One line per target and round (FUZZ_VERBOSE=1). */
  verbose: process.env.FUZZ_VERBOSE === '1',
};
const LONG = budget.seconds > 0;

/**
 * Known defects, reported and not yet fixed: each entry lets one precise failure pass so that
 * `npm test` stays green while the invariant stays strict for everything else. Remove an entry
 * when its defect is fixed (a test that could not fail is a bug).
 */
interface KnownDefect {
  /** The fuzzed field's schema coordinate. */
  coordinate: string;
  invariant: Violation['invariant'];
  /** Why it is allowed: the defect and where it was reported. */
  reason: string;
  matches(operation: GeneratedOperation, violation: Violation): boolean;
}
// Empty: uploadFile's and attachFileToRun's foreign run ids (issue 11, finding 7) are NOT_FOUND since docs/decisions/0008.
const KNOWN_DEFECTS: KnownDefect[] = [];

const ROLES = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER', 'OUTSIDER', 'ANONYMOUS'] as const;
type Role = (typeof ROLES)[number];

/** The codes a refusal may carry: the catalogue in docs/errors.md, and Apollo's request codes. */
const APOLLO_REQUEST_CODES = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED'];
const CATALOGUE = new Set([
  ...[...readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8').matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!),
  ...APOLLO_REQUEST_CODES,
]);
CATALOGUE.delete('INTERNAL_SERVER_ERROR');

/** Arguments and input fields that name the object an operation acts on. */
const TARGET_ID_NAMES = new Set(['id', 'organizationId', 'runId', 'fileId', 'definitionId', 'workflowRunId', 'userId', 'taskId']);

/**
 * Mutations whose service finishes some work 100-400 ms after answering (mail, its bookkeeping,
 * the audit of a sign-up attempt): the next mutation's snapshot waits for it, so that it is not
 * blamed on that mutation.
 */
const BACKGROUND_WORK = new Set(['signUp', 'completeSignUp', 'requestPasswordReset', 'requestEmailVerification', 'resetPassword']);
const SETTLE_MS = 450;
let settledAt = 0;

/**
 * The gateway refuses bodies over 1 MiB (MAX_BODY_BYTES): bodies up to 24 MiB are sent to see
 * that refusal, and such a body may also be answered by closing the connection before it is
 * read. Larger ones (a list of 5,000 one-megabyte strings would be gigabytes) are not sent.
 */
const GATEWAY_MAX_BODY = 1024 * 1024;
const MAX_SENT_BODY = 24 * 1024 * 1024;

/** The size of the operation's body, or Infinity when it cannot even be built. */
function bodySize(operation: GeneratedOperation): number {
  try {
    return Buffer.byteLength(encodeBody(operation.query, operation.variables));
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** A request with no answer after this long is a failure (rather than a hung suite). */
const REQUEST_TIMEOUT_MS = 30_000;
/** How long a subscription may take to answer before it counts as accepted-and-waiting. */
const SUBSCRIPTION_WAIT_MS = 400;

interface Violation {
  invariant: 'http-5xx' | 'internal-error' | 'uncatalogued-code' | 'stored-by-refusal' | 'cross-tenant' | 'transport';
  detail: string;
}

interface Outcome {
  status: number;
  codes: string[];
  refused: boolean;
  violations: Violation[];
}

let platform: TestPlatform;
let sql: postgres.Sql;
let targets: Target[];
let pools: Pools;
let snapshotQuery: string;
const tokens = {} as Record<Exclude<Role, 'ANONYMOUS'>, string>;
let outsiderEmail: string;
let homeOrgId: string;
const homeIds = new Set<string>();
const otherIds = new Set<string>();

const stats = {
  operations: 0,
  byKind: { query: 0, mutation: 0, subscription: 0 } as Record<string, number>,
  byRole: {} as Record<string, number>,
  answered: 0,
  /** Requests sent again after a connection reset (see runHttp). */
  resets: 0,
  codes: {} as Record<string, number>,
  statuses: {} as Record<string, number>,
  closeCodes: {} as Record<string, number>,
  subscriptions: { event: 0, refused: 0, waiting: 0 },
  targetsHit: new Set<string>(),
  allowed: {} as Record<string, number>,
  failures: [] as { coordinate: string; role: string; counterexample: string; problem: string; repeats: number }[],
};
const bump = (record: Record<string, number>, key: string) => void (record[key] = (record[key] ?? 0) + 1);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(query: string, variables: Record<string, unknown>, token?: string) {
  const response = await fetch(platform.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: encodeBody(query, variables),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let body: { data?: Record<string, any> | null; errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[] } | null = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, text, body };
}

async function gql(query: string, variables: Record<string, unknown> = {}, token?: string) {
  const { status, body, text } = await post(query, variables, token);
  if (!body || body.errors?.length) throw new Error(`setup call failed (${status}): ${text.slice(0, 500)}`);
  return body.data as Record<string, any>;
}

async function signIn(email: string, password: string) {
  return (await gql(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email, password } })).signIn.accessToken as string;
}

const emptyPool = (): IdPool => ({ organization: [], definition: [], run: [], file: [], user: [], task: [], apiKey: [], invitation: [] });

/** Every id of one organization that its owner can list. */
async function collectIds(orgId: string, ownerToken: string, adminToken: string): Promise<IdPool> {
  const data = await gql(
    `query($id: ID!) { organization(id: $id) { id files(first: 100) { nodes { id } } members(first: 100) { nodes { user { id } } }
       workflows(first: 100) { nodes { id } } workflowRuns(first: 100) { nodes { id } } apiKeys(first: 100) { nodes { id } } invitations(first: 100) { nodes { id } } } }`,
    { id: orgId },
    ownerToken,
  );
  const tasks = await gql(`{ myTasks(first: 100) { nodes { id } } }`, {}, adminToken);
  const org = data.organization;
  const ids = (c: { nodes: { id: string }[] }) => c.nodes.map((n) => n.id);
  return {
    organization: [org.id],
    definition: ids(org.workflows),
    run: ids(org.workflowRuns),
    file: ids(org.files),
    user: org.members.nodes.map((m: { user: { id: string } | null }) => m.user?.id).filter(Boolean),
    task: ids(tasks.myTasks),
    apiKey: ids(org.apiKeys),
    invitation: ids(org.invitations),
  };
}

/** Tables whose content a refusal may change by design, and columns that every request touches. */
const SNAPSHOT_SKIP_TABLES = new Set([
  'users.auth_throttles', // failed credential checks are counted: that is the throttle
]);
const SNAPSHOT_SKIP_COLUMNS = ['last_seen_at', 'last_used_at'];
/** Rows a refusal writes by design: the audit log records refused security checks (append-only). */
const REFUSAL_AUDIT_TYPES = ['SIGN_UP_REQUESTED', 'SIGN_IN_FAILED', 'LOCKOUT', 'REFRESH_TOKEN_REUSED', 'SECOND_FACTOR_FAILED', 'OIDC_SIGN_IN_FAILED', 'API_KEY_REFUSED'];
const SNAPSHOT_ROW_FILTERS: Record<string, string> = {
  'users.audit_events': `type not in (${REFUSAL_AUDIT_TYPES.map((t) => `'${t}'`).join(', ')})`,
};

/**
 * A fingerprint of every table of the four subgraph schemas (row count and an md5 of its rows,
 * less the columns and rows above) in one statement: any row inserted, deleted or changed shows.
 * The demo data is small, so this costs a few milliseconds. It covers what the services keep in
 * the database; not blobs in file storage, Redis, or mail (a refused upload that left a blob on
 * disk would not show).
 */
async function snapshot(): Promise<Map<string, string>> {
  const rows = await sql.unsafe<{ t: string; n: string; h: string | null }[]>(snapshotQuery);
  return new Map(rows.map((r) => [r.t, `${r.n}:${r.h ?? ''}`]));
}

/** Collects every string in a JSON answer. */
function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}

/** Whether an answer holds anything but __typename and empty lists. */
function hasContent(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasContent);
  if (value && typeof value === 'object') return Object.entries(value).some(([key, v]) => key !== '__typename' && (v === null ? false : typeof v !== 'object' || hasContent(v)));
  return value !== null && value !== undefined;
}

/** The ids a role must never see: the other tenant's (and for nobody, all). */
function forbiddenIds(role: Role): Set<string> {
  if (role === 'OUTSIDER') return homeIds;
  if (role === 'ANONYMOUS') return new Set([...homeIds, ...otherIds]);
  return otherIds;
}

/** The values of direct id arguments (and direct fields of an `input` argument) of the root field. */
function targetIds(operation: GeneratedOperation): string[] {
  const found: string[] = [];
  const rootVars = Object.entries(operation.variables).filter(([name]) => name.startsWith('a0_'));
  // Variable names are positional: map them back to argument names through the operation text.
  const rootCall = operation.query.match(new RegExp(`\\{ ${operation.rootField}\\(([^)]*)\\)`))?.[1] ?? '';
  const argByVar = new Map([...rootCall.matchAll(/(\w+): \$(\w+)/g)].map((m) => [m[2]!, m[1]!]));
  for (const [variable, value] of rootVars) {
    const arg = argByVar.get(variable);
    if (arg && TARGET_ID_NAMES.has(arg) && typeof value === 'string') found.push(value);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [field, inner] of Object.entries(value)) if (TARGET_ID_NAMES.has(field) && typeof inner === 'string') found.push(inner);
    }
  }
  return found;
}

function checkErrors(errors: { extensions?: { code?: unknown } }[] | undefined, violations: Violation[]): string[] {
  const codes: string[] = [];
  for (const error of errors ?? []) {
    const code = typeof error.extensions?.code === 'string' ? error.extensions.code : '(no code)';
    codes.push(code);
    if (code === 'INTERNAL_SERVER_ERROR') violations.push({ invariant: 'internal-error', detail: JSON.stringify(error).slice(0, 400) });
    else if (!CATALOGUE.has(code)) violations.push({ invariant: 'uncatalogued-code', detail: JSON.stringify(error).slice(0, 400) });
  }
  return codes;
}

function checkTenancy(role: Role, operation: GeneratedOperation, data: unknown, violations: Violation[], errorsPresent: boolean) {
  const forbidden = forbiddenIds(role);
  const leaked = [...new Set(stringsIn(data).filter((s) => forbidden.has(s)))];
  if (leaked.length) violations.push({ invariant: 'cross-tenant', detail: `the answer holds the other tenant's ids ${leaked.join(', ')}` });
  if (role !== 'ANONYMOUS' && operation.kind !== 'subscription') {
    const named = targetIds(operation).filter((id) => forbidden.has(id));
    const root = (data as Record<string, unknown> | null | undefined)?.[operation.rootField];
    // A mutation that names the other tenant's object must be refused; a query may answer, but with
    // nothing in it (an empty list filtered by the other tenant's id is no crossing).
    if (named.length && root != null && !errorsPresent && (operation.kind === 'mutation' || hasContent(root))) {
      violations.push({ invariant: 'cross-tenant', detail: `${operation.rootField} answered ${JSON.stringify(root).slice(0, 200)} for the other tenant's ${named.join(', ')}` });
    }
  }
}

async function runHttp(role: Role, operation: GeneratedOperation): Promise<Outcome> {
  const violations: Violation[] = [];
  const token = role === 'ANONYMOUS' ? undefined : tokens[role];
  if (operation.kind === 'mutation' && Date.now() < settledAt) await sleep(settledAt - Date.now());
  const before = operation.kind === 'mutation' ? await snapshot() : null;
  let answer: Awaited<ReturnType<typeof post>>;
  try {
    try {
      answer = await post(operation.query, operation.variables, token);
    } catch (error) {
      // A keep-alive connection the server closed just as it was reused: the request never
      // reached it. Sent once more on a fresh connection, and counted.
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET') throw error;
      stats.resets++;
      answer = await post(operation.query, operation.variables, token);
    }
  } catch (error) {
    if (bodySize(operation) > GATEWAY_MAX_BODY) return { status: 0, codes: ['(connection closed on a body over 1 MiB)'], refused: true, violations };
    violations.push({ invariant: 'transport', detail: `no answer: ${(error as Error).message} ${String((error as { cause?: unknown }).cause ?? '')}` });
    return { status: 0, codes: [], refused: true, violations };
  }
  const { status, body, text } = answer;
  if (BACKGROUND_WORK.has(operation.rootField)) settledAt = Date.now() + SETTLE_MS;
  if (status >= 500) violations.push({ invariant: 'http-5xx', detail: `HTTP ${status}: ${text.slice(0, 300)}` });
  if (!body) {
    violations.push({ invariant: 'transport', detail: `not JSON (HTTP ${status}): ${text.slice(0, 300)}` });
    return { status, codes: [], refused: true, violations };
  }
  const codes = checkErrors(body.errors, violations);
  const root = body.data?.[operation.rootField];
  // A refusal: errors, no answer, and no error below the root field (one there means the root
  // resolver ran, e.g. a mutation that was done but whose payload failed to resolve).
  const refused = (body.errors?.length ?? 0) > 0 && root == null && body.errors!.every((e) => (e.path?.length ?? 0) <= 1);
  checkTenancy(role, operation, body.data, violations, (body.errors?.length ?? 0) > 0);
  if (before) {
    if (refused) {
      const after = await snapshot();
      const changed = [...after.keys()].filter((t) => after.get(t) !== before.get(t));
      if (changed.length) violations.push({ invariant: 'stored-by-refusal', detail: `refused with ${codes.join(', ')} yet changed ${changed.join(', ')}` });
    } else {
      await afterSuccessfulMutation(operation);
    }
  }
  return { status, codes, refused, violations };
}

async function runSubscription(role: Role, operation: GeneratedOperation): Promise<Outcome> {
  const violations: Violation[] = [];
  const token = role === 'ANONYMOUS' ? undefined : tokens[role];
  const closeCodes: number[] = [];
  const listenersBefore = platform.gateway.subscriptions.stats().listeners;
  const client = createClient({
    url: platform.gateway.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: { closed: (event) => void closeCodes.push((event as { code: number }).code) },
  });
  let result: { data?: unknown; errors?: { extensions?: { code?: unknown } }[] } | null = null;
  let failure: unknown = null;
  let accepted = false;
  const start = Date.now();
  let stop = () => {};
  await new Promise<void>((resolve) => {
    stop = client.subscribe(
      { query: operation.query, variables: JSON.parse(encodeBody('', operation.variables)).variables },
      {
        next: (value) => ((result = value as typeof result), resolve()),
        error: (error) => ((failure = error), resolve()),
        complete: () => resolve(),
      },
    );
    const poll = () => {
      if (platform.gateway.subscriptions.stats().listeners > listenersBefore) accepted = true;
      if (Date.now() - start >= SUBSCRIPTION_WAIT_MS) return resolve();
      setTimeout(poll, 20);
    };
    poll();
  });
  stop();
  await client.dispose();
  let codes: string[] = [];
  let refused = false;
  const first = result as { data?: unknown; errors?: { extensions?: { code?: unknown } }[] } | null;
  if (first) {
    codes = checkErrors(first.errors, violations);
    refused = (first.errors?.length ?? 0) > 0 && first.data == null;
    checkTenancy(role, operation, first.data, violations, refused);
    if (!refused) stats.subscriptions.event++;
  } else if (failure) {
    refused = true;
    if (Array.isArray(failure)) codes = checkErrors(failure as { extensions?: { code?: unknown } }[], violations);
    else codes = [`close ${(failure as { code?: number }).code ?? '?'}`];
  } else {
    stats.subscriptions.waiting++;
  }
  if (refused) stats.subscriptions.refused++;
  for (const code of closeCodes) {
    bump(stats.closeCodes, String(code));
    if (code === 1011 || code === 4500) violations.push({ invariant: 'internal-error', detail: `WebSocket closed with ${code}` });
  }
  // A subscription to the other tenant's object must be refused, never started.
  const forbidden = forbiddenIds(role);
  const named = Object.values(operation.variables).filter((v): v is string => typeof v === 'string' && forbidden.has(v));
  if (role !== 'ANONYMOUS' && named.length && (accepted || (first && !refused))) {
    violations.push({ invariant: 'cross-tenant', detail: `a subscription to the other tenant's ${named.join(', ')} was started` });
  }
  return { status: 101, codes, refused, violations };
}

const SESSION_MUTATIONS = new Set(['signOut', 'signOutEverywhere', 'revokeSession', 'changePassword', 'resetPassword', 'confirmTotp', 'completeOidcSignIn']);
const MEMBERSHIP_MUTATIONS = new Set(['removeMember', 'changeMemberRole', 'acceptInvitation', 'setOrganizationIpAllowList']);

/**
 * A successful mutation may have ended a role's session or changed its membership: put the
 * fixture back (sign in again, re-invite, restore the role) so that later cases still run as the
 * role they name.
 */
async function afterSuccessfulMutation(operation: GeneratedOperation) {
  if (SESSION_MUTATIONS.has(operation.rootField)) await restoreSessions();
  if (MEMBERSHIP_MUTATIONS.has(operation.rootField)) await restoreMemberships();
}

async function restoreSessions() {
  for (const u of DEMO_USERS) {
    const viewer = await post(`{ viewer { id } }`, {}, tokens[u.role]);
    if (!viewer.body?.data?.viewer) tokens[u.role] = await signIn(u.email, DEMO_PASSWORD);
  }
  const viewer = await post(`{ viewer { id } }`, {}, tokens.OUTSIDER);
  if (!viewer.body?.data?.viewer) tokens.OUTSIDER = await signIn(outsiderEmail, DEMO_PASSWORD);
}

async function restoreMemberships() {
  await gql(`mutation($i: SetOrganizationIpAllowListInput!) { setOrganizationIpAllowList(input: $i) { id } }`, { i: { organizationId: homeOrgId, cidrs: [] } }, tokens.OWNER).catch(() => undefined);
  const members = await gql(`query($id: ID!) { organization(id: $id) { members(first: 100) { nodes { role user { id email } } } } }`, { id: homeOrgId }, tokens.OWNER);
  const byEmail = new Map<string, { role: string; user: { id: string } }>(members.organization.members.nodes.filter((m: { user: unknown }) => m.user).map((m: { role: string; user: { id: string; email: string } }) => [m.user.email, m]));
  for (const u of DEMO_USERS.slice(1)) {
    const member = byEmail.get(u.email);
    if (!member) {
      const invite = await gql(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: homeOrgId, email: u.email, role: u.role } }, tokens.OWNER);
      await gql(`mutation($t: String!) { acceptInvitation(token: $t) { id } }`, { t: invite.inviteMember.token }, tokens[u.role]);
    } else if (member.role !== u.role) {
      await gql(`mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { id } }`, { i: { organizationId: homeOrgId, userId: member.user.id, role: u.role } }, tokens.OWNER);
    }
  }
  await sleep(1100); // the principal cache (1 s) sees the restored memberships
}

async function runOne(role: Role, operation: GeneratedOperation): Promise<Outcome> {
  stats.operations++;
  bump(stats.byKind, operation.kind);
  bump(stats.byRole, role);
  stats.targetsHit.add(operation.coordinate);
  const outcome = operation.kind === 'subscription' ? await runSubscription(role, operation) : await runHttp(role, operation);
  bump(stats.statuses, String(outcome.status));
  if (outcome.codes.length === 0) stats.answered++;
  for (const code of new Set(outcome.codes)) bump(stats.codes, code);
  return outcome;
}

/** Strings for the report: a counterexample without its megabytes. */
function abbreviate(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'string' && v.length > 120 ? `${v.slice(0, 60)}…(${v.length} chars)…${v.slice(-20)}` : Array.isArray(v) && v.length > 20 ? [...v.slice(0, 5), `…(${v.length} items)`] : v));
}

/**
 * One round: every target, `runs` cases each, as a random role; failures are shrunk and kept.
 * Targets go in an order drawn from the seed, so that a time budget that ends mid-round does not
 * always leave out the same ones.
 */
async function round(seed: number, runs: number, deadline: number) {
  const order = seed === budget.seed ? targets : fc.sample(fc.shuffledSubarray(targets, { minLength: targets.length }), { seed, numRuns: 1 })[0]!;
  for (const [index, target] of order.entries()) {
    if (Date.now() > deadline) return;
    const targetStarted = Date.now();
    // Roles without fast-check's bias to the first value, so that small budgets still spread over them.
    const arbitrary = fc.tuple(fc.noBias(fc.constantFrom(...ROLES)), operationArbitrary(target, pools));
    const result = await fc.check(
      fc.asyncProperty(arbitrary, async ([role, operation]) => {
        fc.pre(bodySize(operation) <= MAX_SENT_BODY);
        const outcome = await runOne(role, operation);
        const unexplained = outcome.violations.filter((v) => {
          const known = KNOWN_DEFECTS.find((d) => d.coordinate === operation.coordinate && d.invariant === v.invariant && d.matches(operation, v));
          if (known) bump(stats.allowed, `${known.coordinate} ${known.invariant}`);
          return !known;
        });
        if (unexplained.length) throw new Error(unexplained.map((v) => `${v.invariant}: ${v.detail}`).join('\n'));
      }),
      { seed: seed + index, numRuns: runs, ...(Number.isFinite(deadline) ? { interruptAfterTimeLimit: Math.max(1, deadline - Date.now()), markInterruptAsFailure: false } : {}) },
    );
    if (budget.verbose) console.log(`fuzz: ${target.coordinate}: ${result.numRuns} runs, ${result.numShrinks} shrinks, ${Date.now() - targetStarted} ms${result.failed ? ' FAILED' : ''}`);
    // A run cut off by the time budget (possibly mid-shrink) has no counterexample to keep.
    if (result.failed && result.counterexample === null && result.interrupted) return;
    if (result.failed) {
      const [role, operation] = result.counterexample?.[0] ?? ['(none)', { query: '(no counterexample)', variables: {} }];
      const problem = String((result.errorInstance as Error | undefined)?.message ?? result.errorInstance);
      // Later rounds find the same defect again: keep its first minimal counterexample, count the rest.
      const key = `${target.coordinate} ${problem.split(':')[0]}`;
      const seen = stats.failures.find((f) => `${f.coordinate} ${f.problem.split(':')[0]}` === key);
      if (seen) {
        seen.repeats++;
        continue;
      }
      stats.failures.push({
        repeats: 0,
        coordinate: target.coordinate,
        role,
        counterexample: `${operation.query}\nvariables: ${abbreviate(operation.variables)}\n(seed ${seed + index}, path ${result.counterexamplePath}, shrunk ${result.numShrinks} times)`,
        problem,
      });
    }
  }
}

function report(seconds: number, rounds: number) {
  const sorted = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).sort((a, b) => b[1] - a[1]));
  const lines = [
    `fuzz: ${stats.operations} operations in ${seconds.toFixed(0)} s (${rounds} full rounds, seed ${budget.seed}, ${budget.runs} runs per target) over ${stats.targetsHit.size}/${targets.length} targets (${Object.entries(stats.byKind).map(([k, n]) => `${k} ${n}`).join(', ')})`,
    `  roles: ${JSON.stringify(stats.byRole)}`,
    `  answered without error: ${stats.answered}; sent again after a connection reset: ${stats.resets}; HTTP statuses: ${JSON.stringify(sorted(stats.statuses))}`,
    `  error codes (operations carrying each): ${JSON.stringify(sorted(stats.codes))}`,
    `  subscriptions: ${JSON.stringify(stats.subscriptions)}; WebSocket close codes: ${JSON.stringify(stats.closeCodes)}`,
    `  allowed known defects: ${JSON.stringify(stats.allowed)}`,
    `  failures (minimal counterexamples): ${stats.failures.length}`,
    ...stats.failures.map((f) => `  - ${f.coordinate} as ${f.role}${f.repeats ? ` (found again in ${f.repeats} later rounds)` : ''}\n    ${f.counterexample.replaceAll('\n', '\n    ')}\n    ${f.problem.replaceAll('\n', '\n    ')}`),
  ];
  console.log(lines.join('\n'));
}

describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('fuzzing the API from its schema', () => {
  beforeAll(async () => {
    platform = await startTestPlatform({
      // The fuzz sends thousands of requests and failed sign-ins from one address: limits and
      // throttles would soon answer everything with RATE_LIMITED / TOO_MANY_ATTEMPTS.
      gateway: { protection: { rateLimits: false } },
      user: { throttle: { accountMaxFailures: 1_000_000, ipMaxFailures: 1_000_000 } },
      // No processing worker: a job queued by an earlier operation (an upload, reprocessFile)
      // would otherwise finish during a later one and its writes (file_processing, file.processed
      // events) be read as that operation's. Processing has its own suites.
      file: { processing: { concurrency: 0 } },
    });
    sql = postgres(platform.database.url!, { max: 1, onnotice: () => {} });
    await seedDemo(platform.gateway.url);
    for (const u of DEMO_USERS) tokens[u.role] = await signIn(u.email, DEMO_PASSWORD);
    homeOrgId = (await gql(`{ organizations { nodes { id slug } } }`, {}, tokens.OWNER)).organizations.nodes.find((o: { slug: string }) => o.slug === DEMO_ORGANIZATION.slug).id;

    // The other tenant: an owner with an organization holding one of everything.
    outsiderEmail = `outsider-${randomUUID()}@example.com`;
    tokens.OUTSIDER = (await gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email: outsiderEmail, password: DEMO_PASSWORD, name: 'Outsider' } })).signUp.accessToken;
    const otherSlug = `other-${Date.now()}`;
    const otherOrgId = (await gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Other Org', slug: otherSlug } }, tokens.OUTSIDER)).createOrganization.id as string;
    const definitionId = (
      await gql(`mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }`, {
        i: {
          organizationId: otherOrgId,
          key: 'other-flow',
          name: 'Other flow',
          initialState: 'draft',
          states: [{ name: 'draft' }, { name: 'review', task: { title: 'Review', assigneeRole: 'OWNER' } }, { name: 'done', final: true }],
          transitions: [
            { name: 'submit', from: 'draft', to: 'review', allowedRoles: ['OWNER'] },
            { name: 'finish', from: 'review', to: 'done', allowedRoles: ['OWNER'] },
          ],
        },
      }, tokens.OUTSIDER)
    ).createWorkflowDefinition.id as string;
    const runId = (await gql(`mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`, { i: { definitionId, data: { secret: 'other' } } }, tokens.OUTSIDER)).startWorkflowRun.id as string;
    await gql(`mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { id } }`, { i: { runId, transition: 'submit' } }, tokens.OUTSIDER);
    await gql(`mutation($i: UploadFileInput!) { uploadFile(input: $i) { id } }`, { i: { organizationId: otherOrgId, name: 'other.txt', contentType: 'text/plain', contentBase64: Buffer.from('other').toString('base64'), workflowRunId: runId } }, tokens.OUTSIDER);
    await gql(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { organizationId: otherOrgId, name: 'other key', role: 'VIEWER' } }, tokens.OUTSIDER);
    await gql(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }`, { i: { organizationId: otherOrgId, email: `invitee-${randomUUID()}@example.com`, role: 'MEMBER' } }, tokens.OUTSIDER);
    await gql(`mutation($i: IngestEventsInput!) { ingestEvents(input: $i) { accepted } }`, { i: { organizationId: otherOrgId, events: [{ id: randomUUID(), type: 'other.event', occurredAt: new Date().toISOString(), subjectId: definitionId, properties: {} }] } }, tokens.OUTSIDER);

    const home = await collectIds(homeOrgId, tokens.OWNER, tokens.ADMIN);
    const other = await collectIds(otherOrgId, tokens.OUTSIDER, tokens.OUTSIDER);
    for (const id of Object.values(home).flat()) homeIds.add(id);
    for (const id of Object.values(other).flat()) otherIds.add(id);
    pools = {
      home,
      other,
      strings: [
        DEMO_ORGANIZATION.slug, otherSlug, 'expense-approval', 'vendor-onboarding', 'other-flow', 'draft', 'submitted', 'submit', 'approve',
        'workflow.run.started', 'app.page.viewed', DEMO_USERS[2].email, outsiderEmail, 'text/plain', 'aGVsbG8=', 'fuzz', 'Fuzz Co', '127.0.0.1/32', 'https://example.com/callback',
      ],
    };
    targets = listTargets(buildSchema(readFileSync(new URL('../schema/api.graphql', import.meta.url), 'utf8')));

    const tables = await sql<{ schema: string; name: string }[]>`
      select table_schema as schema, table_name as name from information_schema.tables
      where table_schema in ('users', 'workflow', 'files', 'analytics') and table_type = 'BASE TABLE' order by 1, 2`;
    const kept = tables.filter((t) => !SNAPSHOT_SKIP_TABLES.has(`${t.schema}.${t.name}`));
    expect(kept.length).toBeGreaterThan(10);
    const skip = `array[${SNAPSHOT_SKIP_COLUMNS.map((c) => `'${c}'`).join(', ')}]`;
    snapshotQuery = kept
      .map((t) => `select '${t.schema}.${t.name}' as t, count(*)::text as n, md5(string_agg((to_jsonb(r) - ${skip})::text, ',' order by (to_jsonb(r) - ${skip})::text)) as h from "${t.schema}"."${t.name}" r${SNAPSHOT_ROW_FILTERS[`${t.schema}.${t.name}`] ? ` where ${SNAPSHOT_ROW_FILTERS[`${t.schema}.${t.name}`]}` : ''}`)
      .join(' union all ');
  }, 180_000);

  afterAll(async () => {
    await sql?.end();
    await platform?.stop();
  });

  it(
    'answers every generated operation, as every role, without a 5xx, an internal or uncatalogued error, a write by a refusal, or a crossing of tenants',
    async () => {
      const started = Date.now();
      const deadline = LONG ? started + budget.seconds * 1000 : Number.POSITIVE_INFINITY;
      let seed = budget.seed;
      let rounds = 0;
      try {
        do {
          await round(seed, budget.runs, deadline);
          seed += 10_000;
          rounds++;
          if (LONG) console.log(`fuzz: round ${rounds} done at ${((Date.now() - started) / 1000).toFixed(0)} s: ${stats.operations} operations, ${stats.failures.length} distinct failures`);
        } while (LONG && Date.now() < deadline);
      } finally {
        report((Date.now() - started) / 1000, rounds);
      }
      expect(stats.failures.map((f) => `${f.coordinate} as ${f.role}: ${f.problem}`)).toEqual([]);
    },
    LONG ? (budget.seconds + 600) * 1000 : 240_000,
  );
});

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres, { type Sql } from 'postgres';
import { startChild, type Child } from '../lib/child.js';
import { DASHBOARD_QUERY, difference, expectedDashboard, VIEWER_QUERY, type DashboardVariables } from './dashboard.js';
import { seed, emailOf, roleOfCohort, uid, userOf, type Volume } from './seed.js';
import { SUBGRAPHS, type ServiceConfig, type ServiceName } from './services.js';

// The platform the benchmark measures: a fresh Postgres database, the four subgraphs and the
// gateway each in its own process (migrating on start, as in production), bulk-seeded data, and
// signed-in sessions of users of different organizations and roles, each with the right answer
// to the dashboard query.

export const PASSWORD = 'bench-platform-password';

export interface Session {
  userId: string;
  organizationId: string;
  role: string;
  token: string;
  variables: DashboardVariables;
  /** The request bodies, serialised once. */
  dashboardBody: string;
  viewerBody: string;
  /** The first answers, checked against SQL; every later answer must be these bytes. */
  dashboardAnswer: string;
  viewerAnswer: string;
}

export interface BenchPlatform {
  gatewayUrl: string;
  services: Record<ServiceName, Child<{ url: string }>>;
  /** A second gateway over the same subgraphs with the response cache on (options.cachedGateway). */
  cachedGateway?: Child<{ url: string }>;
  /** The Redis the subgraphs publish their events on, when there is one. */
  redisUrl?: string;
  databaseName: string;
  sql: Sql;
  sessions: Session[];
  seedSeconds: number;
  seedTimings: Record<string, number>;
  stop(options?: { keepDatabase?: boolean }): Promise<void>;
}

async function post(url: string, body: string, token?: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
  return { status: response.status, text: await response.text() };
}

async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<any> {
  const { status, text } = await post(url, JSON.stringify({ query, variables }), token);
  const body = JSON.parse(text) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
  if (status !== 200 || body.errors?.length) throw new Error(`${query.slice(0, 40)}...: ${status} ${text.slice(0, 300)}`);
  return body.data;
}

export async function startBenchPlatform(options: {
  databaseUrl: string;
  volume: Volume;
  /** Signed-in users, spread over organizations and roles. */
  sessions: number;
  poolMax: number;
  /** Events between the subgraphs through this Redis (as production runs them); unset = in memory per subgraph. */
  redisUrl?: string;
  /** Start a second gateway with the response cache on (needs redisUrl): docs/decisions/0016-response-cache.md. */
  cachedGateway?: boolean;
  /** node flags per service (e.g. --cpu-prof). */
  execArgv?: (name: ServiceName) => string[];
  progress: (message: string) => void;
}): Promise<BenchPlatform> {
  const { volume, progress } = options;
  const databaseName = `organoise_bench_${randomBytes(5).toString('hex')}`;
  const admin = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${databaseName}"`);
  const dbUrl = new URL(options.databaseUrl);
  dbUrl.pathname = `/${databaseName}`;
  const sql = postgres(dbUrl.toString(), { max: 4, onnotice: () => {} });
  const fileStorageDir = mkdtempSync(join(tmpdir(), 'organoise-bench-files-'));
  const started: Child<{ url: string }>[] = [];
  const stop = async (stopOptions: { keepDatabase?: boolean } = {}) => {
    await Promise.all(started.splice(0).map((child) => child.stop()));
    await sql.end({ timeout: 5 });
    if (!stopOptions.keepDatabase) await admin.unsafe(`drop database if exists "${databaseName}" with (force)`);
    else progress(`kept database ${databaseName}`);
    await admin.end({ timeout: 5 });
    rmSync(fileStorageDir, { recursive: true, force: true });
  };
  try {
    const base: Omit<ServiceConfig, 'name'> = {
      databaseUrl: dbUrl.toString(),
      poolMax: options.poolMax,
      internalTokenSecret: randomBytes(32).toString('base64url'),
      issuer: 'organoise-bench',
      fileStorageDir,
      ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
    };
    const entry = fileURLToPath(new URL('./service.ts', import.meta.url));
    const launch = async (name: ServiceName, config: ServiceConfig) => {
      const child = await startChild<ServiceConfig, { url: string }>(entry, config, { execArgv: options.execArgv?.(name) ?? [], readyTimeoutMs: 120_000 });
      started.push(child);
      progress(`${name} on ${child.info.url} (pid ${child.pid})`);
      return child;
    };
    const subgraphs = await Promise.all(SUBGRAPHS.map((name) => launch(name, { ...base, name })));
    const services = Object.fromEntries(SUBGRAPHS.map((name, i) => [name, subgraphs[i]!])) as Record<ServiceName, Child<{ url: string }>>;
    const subgraphUrls = Object.fromEntries(SUBGRAPHS.map((name) => [name, services[name].info.url])) as ServiceConfig['subgraphUrls'];
    services.gateway = await launch('gateway', { ...base, name: 'gateway', subgraphUrls });
    const gatewayUrl = services.gateway.info.url;
    const cachedGateway = options.cachedGateway && options.redisUrl ? await launch('gateway', { ...base, name: 'gateway', subgraphUrls, responseCache: true }) : undefined;

    // One user signs up through the API: every seeded user gets that argon2id hash, made exactly
    // as the user subgraph makes it.
    await gql(gatewayUrl, 'mutation SignUp($i: SignUpInput!) { signUp(input: $i) { user { id } } }', { i: { email: 'hash-donor@bench.organoise.test', name: 'Hash donor', password: PASSWORD } });
    const [{ password_hash: passwordHash } = { password_hash: '' }] = await sql<{ password_hash: string }[]>`select password_hash from users.users where email = 'hash-donor@bench.organoise.test'`;

    // Millisecond precision and all data in the past, as the services write it.
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const seedStarted = performance.now();
    const seedTimings = await seed(sql, volume, now, passwordHash, progress);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    progress(`seeded in ${seedSeconds.toFixed(1)} s`);

    const variables = (organization: number): DashboardVariables => ({
      organizationId: uid('organization', organization),
      from: new Date(now.getTime() - 30 * 86_400_000).toISOString(),
      to: now.toISOString(),
    });
    // Organizations 1, 2, 3... with roles cycling OWNER, ADMIN, VIEWER, MEMBER.
    const sessions: Session[] = [];
    for (let i = 0; i < options.sessions; i++) {
      const organization = (i % volume.organizations) + 1;
      const cohort = i % 4 === 3 ? 3 + Math.floor(i / 4) : i % 4;
      const user = userOf(volume, organization, cohort);
      const signedIn = await gql(gatewayUrl, 'mutation SignIn($i: SignInInput!) { signIn(input: $i) { accessToken user { id } } }', { i: { email: emailOf(user), password: PASSWORD } });
      const vars = variables(organization);
      const dashboardBody = JSON.stringify({ query: DASHBOARD_QUERY, variables: vars, operationName: 'PlatformDashboard' });
      const viewerBody = JSON.stringify({ query: VIEWER_QUERY, variables: {}, operationName: 'ViewerId' });
      const token = signedIn.signIn.accessToken as string;
      const dashboard = await post(gatewayUrl, dashboardBody, token);
      const expected = await expectedDashboard(sql, uid('user', user), vars);
      const wrong = dashboard.status === 200 ? difference(dashboard.text, expected) : `status ${dashboard.status}: ${dashboard.text.slice(0, 300)}`;
      if (wrong) throw new Error(`the dashboard of ${emailOf(user)} (${roleOfCohort(cohort)} of organization ${organization}) is wrong: ${wrong}`);
      const viewer = await post(gatewayUrl, viewerBody, token);
      const wrongViewer = viewer.status === 200 ? difference(viewer.text, { viewer: { id: uid('user', user) } }) : `status ${viewer.status}`;
      if (wrongViewer) throw new Error(`viewer of ${emailOf(user)} is wrong: ${wrongViewer}`);
      sessions.push({ userId: uid('user', user), organizationId: vars.organizationId, role: roleOfCohort(cohort), token, variables: vars, dashboardBody, viewerBody, dashboardAnswer: dashboard.text, viewerAnswer: viewer.text });
    }
    progress(`${sessions.length} signed-in users; each one's dashboard equals its SQL answer`);
    return { gatewayUrl, services, ...(cachedGateway ? { cachedGateway } : {}), ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}), databaseName, sql, sessions, seedSeconds, seedTimings, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/** Asks every session's dashboard again (of each gateway): it must still be the checked answer, byte for byte. */
export async function recheck(platform: BenchPlatform): Promise<void> {
  for (const url of [platform.gatewayUrl, ...(platform.cachedGateway ? [platform.cachedGateway.info.url] : [])]) {
    for (const s of platform.sessions) {
      const again = await post(url, s.dashboardBody, s.token);
      if (again.text !== s.dashboardAnswer) throw new Error(`the dashboard of ${s.userId} changed (${url}): ${again.text.slice(0, 300)}`);
    }
  }
}

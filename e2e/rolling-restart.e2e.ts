import { randomUUID } from 'node:crypto';
import { testEnv, waitFor } from '@organoise/core/testing';
import { startOnebox, type Onebox } from '@organoise/platform/onebox';
import { createClient, type Client } from 'graphql-ws';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

// A rolling restart of the one-box deployment (npm run onebox: haproxy in front of two gateway
// processes and two replicas of each subgraph, one Postgres database, one Redis) under steady
// load: every process in turn gets SIGTERM (it fails /readyz, haproxy stops sending it work, it
// finishes what it has and exits), is started again and waits until haproxy sends it traffic.
// Meanwhile queries and idempotent writes go through haproxy without pause, and graphql-ws
// subscribers follow the organization's runs, resuming from their last cursor whenever their
// connection or subscription ends. Checks: no query failed; every write was acknowledged (a write
// answered with an error was retried with its idempotency key and exists exactly once in the
// database); every subscriber received every acknowledged run exactly once; every process is back.
// Runs in the postgres project only: processes cannot share an embedded PGlite.
const RUNS = `subscription($org: ID!, $after: String) { workflowRunsChanged(organizationId: $org, after: $after) { cursor type run { id } } }`;
const START = `mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }`;
const READ = `query($org: ID!) { viewer { id } organization(id: $org) { name members { nodes { role user { name } } } workflowRuns(first: 5) { nodes { id state startedBy { name } } } } }`;
const SUBSCRIBERS = 3;
const WRITERS = 2;
const READERS = 2;

let onebox: Onebox | undefined;
let token: string;
let orgId: string;
let definitionId: string;

interface Answer {
  status: number;
  body?: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
  error?: string;
}

const post = async (query: string, variables: Record<string, unknown>): Promise<Answer> => {
  try {
    const response = await fetch(onebox!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      return { status: response.status, error: `non-JSON: ${text.slice(0, 200)}` };
    }
  } catch (error) {
    return { status: 0, error: String(error) };
  }
};
const ok = (answer: Answer) => answer.status === 200 && !answer.error && !answer.body?.errors && answer.body?.data != null;
const describeFailure = (answer: Answer) => answer.error ?? `${answer.status} ${(answer.body?.errors ?? []).map((e) => e.extensions?.code ?? e.message).join(',')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A subscriber that resumes from its last cursor, through haproxy, whenever its subscription ends. */
function follower(index: number) {
  const runIds: string[] = [];
  const cursors: string[] = [];
  const interruptions: string[] = [];
  let cursor = '0';
  let client: Client | null = null;
  let stopped = false;
  let connected!: () => void;
  const firstConnection = new Promise<void>((resolve) => (connected = resolve));
  const subscribe = () => {
    if (stopped) return;
    const current = createClient({ url: onebox!.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { authorization: `Bearer ${token}` } });
    client = current;
    current.on('connected', () => connected());
    let ended = false;
    const resume = (why: string) => {
      if (ended) return;
      ended = true;
      if (stopped) return;
      interruptions.push(why);
      void current.dispose();
      // Through haproxy again: the process that ended it is no longer offered new connections.
      setTimeout(subscribe, 200);
    };
    current.subscribe(
      { query: RUNS, variables: { org: orgId, after: cursor } },
      {
        next: (result) => {
          if (result.errors) return void interruptions.push(`subscriber ${index}: ${result.errors.map((e) => (e.extensions as { code?: string } | undefined)?.code ?? e.message).join(',')}`);
          const event = (result.data as { workflowRunsChanged: { cursor: string; run: { id: string } } }).workflowRunsChanged;
          runIds.push(event.run.id);
          cursors.push(event.cursor);
          cursor = event.cursor;
        },
        error: (error) => resume(typeof (error as { code?: unknown }).code === 'number' ? `closed: ${(error as { code: number }).code}` : 'socket error'),
        complete: () => resume('completed'),
      },
    );
  };
  subscribe();
  return {
    runIds,
    cursors,
    interruptions,
    firstConnection,
    stop: async () => {
      stopped = true;
      await client?.dispose();
    },
  };
}

describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('a rolling restart of the one-box deployment under load', () => {
  beforeAll(async () => {
    onebox = await startOnebox({
      baseEnv: process.env,
      postgresUrl: testEnv.TEST_POSTGRES_URL,
      redisUrl: testEnv.TEST_REDIS_URL,
      port: 0,
      logLevel: 'error',
      stdio: 'ignore',
      // No retries at the balancer: what keeps every request answered is each process's drain.
      balancerRetries: false,
      // One test client is many users' worth of traffic: its budgets are raised, not turned off.
      gatewayEnv: { WEB: 'false', PLAYGROUND: 'false', RATE_LIMIT_IP_POINTS: '1000000', RATE_LIMIT_USER_POINTS: '1000000' },
    });
    const setup = async (query: string, variables: Record<string, unknown>) => {
      const answer = await post(query, variables);
      if (!ok(answer)) throw new Error(`setup failed: ${describeFailure(answer)}`);
      return answer.body!.data;
    };
    token = '';
    token = (await setup(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email: `roll-${randomUUID()}@example.com`, password: 'rolling password 123', name: 'Roll' } })).signUp.accessToken;
    orgId = (await setup(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Rolling', slug: `rolling-${Date.now()}` } })).createOrganization.id;
    definitionId = (
      await setup(`mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }`, {
        i: { organizationId: orgId, key: 'roll', name: 'Roll', initialState: 'open', states: [{ name: 'open' }, { name: 'done', final: true }], transitions: [{ name: 'finish', from: 'open', to: 'done', allowedRoles: ['OWNER'] }] },
      })
    ).createWorkflowDefinition.id;
  }, 900_000);

  afterAll(async () => {
    await onebox?.stop();
  });

  it('restarts every process in turn: no request fails, every subscriber gets every event once, every process comes back', async () => {
    const box = onebox!;
    const followers = Array.from({ length: SUBSCRIBERS }, (_, i) => follower(i));
    await Promise.all(followers.map((f) => f.firstConnection));

    let running = true;
    let restarting: string | null = null;
    const figures = { reads: 0, writes: 0, attempts: 0, readFailures: [] as string[], writeFailures: [] as string[], retried: new Map<string, string[]>(), unfinished: [] as string[], maxLatency: 0, maxLatencyDuringRestarts: 0 };
    const acknowledged: string[] = [];
    const timed = async (send: () => Promise<Answer>) => {
      const during = restarting !== null;
      const began = performance.now();
      const answer = await send();
      const ms = performance.now() - began;
      figures.maxLatency = Math.max(figures.maxLatency, ms);
      if (during || restarting !== null) figures.maxLatencyDuringRestarts = Math.max(figures.maxLatencyDuringRestarts, ms);
      return answer;
    };
    const reader = async () => {
      while (running) {
        const answer = await timed(() => post(READ, { org: orgId }));
        figures.reads++;
        if (!ok(answer)) figures.readFailures.push(`${restarting ?? 'steady'}: ${describeFailure(answer)}`);
        await sleep(20);
      }
    };
    const writer = async () => {
      while (running) {
        const key = randomUUID();
        figures.writes++;
        // A write answered with an error is retried with the same key until it is acknowledged.
        for (let attempt = 1; ; attempt++) {
          figures.attempts++;
          const answer = await timed(() => post(START, { i: { definitionId, idempotencyKey: key } }));
          if (ok(answer)) {
            acknowledged.push(answer.body!.data.startWorkflowRun.id);
            break;
          }
          figures.writeFailures.push(`${restarting ?? 'steady'}: ${describeFailure(answer)}`);
          figures.retried.set(key, [...(figures.retried.get(key) ?? []), describeFailure(answer)]);
          if (attempt === 20) {
            figures.unfinished.push(key);
            break;
          }
          await sleep(250);
        }
        await sleep(50);
      }
    };
    const load = [...Array.from({ length: READERS }, reader), ...Array.from({ length: WRITERS }, writer)];
    await waitFor(() => acknowledged.length >= 5 && followers.every((f) => f.runIds.length >= 1), 'the load and the subscribers to be flowing', 120_000);

    const restarts: { name: string; exitCode: number | null; signal: string | null; stoppedMs: number; backMs: number }[] = [];
    for (const service of box.processes) {
      restarting = service.name;
      const pidBefore = service.pid();
      const result = await service.restart();
      restarts.push({ name: service.name, ...result });
      expect(service.pid()).not.toBe(pidBefore);
      restarting = null;
      // Steady traffic on the whole set again before the next one goes.
      await box.waitAllUp();
      const writesSoFar = acknowledged.length;
      await waitFor(() => acknowledged.length >= writesSoFar + 2, `writes to go on after ${service.name} came back`, 120_000);
    }

    running = false;
    await Promise.all(load);
    await waitFor(() => followers.every((f) => new Set(f.runIds).size >= new Set(acknowledged).size), 'every subscriber to have every acknowledged run', 120_000);
    await sleep(1000); // a duplicate would arrive now
    await Promise.all(followers.map((f) => f.stop()));

    // The database: one run per acknowledged write, and one run per idempotency key (the retried ones included).
    const sql = postgres(box.databaseUrl, { max: 1, onnotice: () => {} });
    let runs: string[];
    let retriedRows: { key: string; result_id: string }[];
    try {
      runs = (await sql<{ id: string }[]>`select id from workflow.runs where organization_id = ${orgId}`).map((r) => r.id);
      const keys = [...figures.retried.keys()];
      retriedRows = keys.length ? await sql<{ key: string; result_id: string }[]>`select key, result_id from workflow.idempotency_keys where key = any(${keys})` : [];
    } finally {
      await sql.end();
    }

    const balancer = await box.balancerCounts();
    const reconnects = followers.reduce((n, f) => n + f.interruptions.filter((i) => !i.startsWith('subscriber')).length, 0);
    console.log(
      [
        `rolling restart of ${restarts.length} processes under load (${READERS} readers, ${WRITERS} writers, ${SUBSCRIBERS} subscribers, through haproxy):`,
        `  requests ${figures.reads + figures.attempts} (reads ${figures.reads}, writes ${figures.writes} in ${figures.attempts} attempts), failed reads ${figures.readFailures.length}, write attempts answered with an error ${figures.writeFailures.length} (retried with their key: ${figures.retried.size}), writes not acknowledged ${figures.unfinished.length}`,
        `  max latency ${Math.round(figures.maxLatency)} ms; during restarts ${Math.round(figures.maxLatencyDuringRestarts)} ms`,
        `  haproxy since start, by backend (retries/redispatches/5xx answers): ${Object.entries(balancer).map(([name, c]) => `${name} ${c.retries}/${c.redispatches}/${c.responses5xx}`).join(', ')}`,
        `  subscribers: ${followers.map((f) => f.runIds.length).join(', ')} events for ${acknowledged.length} acknowledged writes; ${reconnects} resumptions by cursor (${followers.flatMap((f) => f.interruptions).join('; ') || 'none'})`,
        `  restarts (stop = SIGTERM to exit, back = until haproxy sent it traffic): ${restarts.map((r) => `${r.name} exit ${r.exitCode ?? r.signal} stop ${(r.stoppedMs / 1000).toFixed(1)} s back ${(r.backMs / 1000).toFixed(1)} s`).join('; ')}`,
        ...(figures.readFailures.length ? [`  failed reads: ${figures.readFailures.join('; ')}`] : []),
        ...(figures.writeFailures.length ? [`  write attempts with an error: ${figures.writeFailures.join('; ')}`] : []),
      ].join('\n'),
    );

    expect(figures.readFailures).toEqual([]);
    expect(figures.unfinished).toEqual([]);
    // Every write exists once: as many runs as distinct acknowledged ids, and those are the runs.
    expect(new Set(acknowledged).size).toBe(acknowledged.length);
    expect(runs.sort()).toEqual([...acknowledged].sort());
    for (const [key] of figures.retried) expect(retriedRows.filter((r) => r.key === key)).toHaveLength(1);
    for (const row of retriedRows) expect(acknowledged).toContain(row.result_id);
    for (const f of followers) {
      expect(f.runIds.sort()).toEqual([...acknowledged].sort()); // each run once: nothing lost, nothing twice
      expect(new Set(f.cursors).size).toBe(f.cursors.length);
    }
    // Every process stopped gracefully (exit 0 on SIGTERM, not killed) and is serving again.
    for (const r of restarts) expect({ name: r.name, exit: r.exitCode }).toEqual({ name: r.name, exit: 0 });
    expect(box.unexpectedExits).toEqual([]);
    expect(box.processes.every((p) => p.running())).toBe(true);
    expect(Object.values(await box.serverStates()).every((s) => s === 'UP')).toBe(true);
  }, 1_800_000);
});

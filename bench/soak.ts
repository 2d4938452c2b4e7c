import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { startChild, type Child } from './lib/child.js';
import { quantile } from './lib/load.js';
import { openLoop, stopOpenLoop } from './platform/open-loop.js';
import { QUICK_VOLUME, uid } from './platform/seed.js';
import { SUBGRAPHS, type MemoryReading, type ServiceName } from './platform/services.js';
import { startBenchPlatform, type BenchPlatform, type Session } from './platform/setup.js';
import type { ClientsConfig, SubscriberFigures, SubscriberSpec, Transport, WindowAnswer } from './soak/clients.js';
import { loadSoakEnv } from './soak/env.js';

// npm run bench:soak — the platform under mixed traffic for BENCH_SOAK_MINUTES (20 by default):
// every service in its own process on a fresh Postgres database, events between them through
// Redis; queries (the dashboard and `viewer { id }`) at a fixed rate, writes (runs started,
// submitted, approved or rejected: one event each in the organization's run stream) at a fixed
// rate, and subscribers over graphql-ws, SSE and multipart that drop their connections every
// minute or so and resume after their last cursor. Every window it prints the memory after GC and
// the handles of every process, the latencies, and every subscriber that missed or got twice an
// event; at the end it checks each subscriber's cursors against the workflow subgraph's event log
// in Postgres and judges growth. It fails (exit 1) on any event missed, duplicated or out of order,
// any error a subscriber, query or write got, or steady growth. Progress goes to stderr; the
// figures to stdout.

const env = loadSoakEnv();
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const RESULTS_DIR = here('./results');
/** When the load began: windows are timed from it. */
let loadStarted = Date.now();
const clock = () => new Date().toISOString().slice(11, 19);
const progress = (message: string) => process.stderr.write(`[bench:soak] ${clock()} ${message}\n`);
const out = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MiB = 2 ** 20;
/**
 * Handles or fds a process may hold idle after the load above idle before it: its Postgres pool
 * (10 connections, bench/platform's poolMax) may have filled meanwhile, and postgres.js keeps a
 * socket and a max_lifetime timer per connection (node_modules/postgres/src/connection.js): 2 x 10 + 5.
 */
const IDLE_MARGIN = 25;
/** How long the platform idles before each idle reading: past the gateway's 30 s idle timeout of its keep-alive sockets to the subgraphs (gateway/src/subgraphs.ts). */
const IDLE_WAIT_MS = 35_000;

let platform: BenchPlatform | undefined;
let redis: ChildProcess | undefined;
const workers: Child<{ subscribers: number }>[] = [];
/** BENCH_SOAK_FAULT=leak-connection: clients made and never ended, one a window, as a leak would. */
const leaked: postgres.Sql[] = [];
async function leakConnection() {
  const url = new URL(env.BENCH_POSTGRES_URL);
  url.pathname = `/${platform!.databaseName}`;
  const client = postgres(url.toString(), { max: 1, onnotice: () => {} });
  await client`select 1`;
  leaked.push(client);
}
const stopAll = async () => {
  await Promise.allSettled(workers.splice(0).map((w) => w.stop()));
  await Promise.allSettled(leaked.splice(0).map((client) => client.end({ timeout: 1 })));
  await platform?.stop();
  platform = undefined;
  if (redis && redis.exitCode === null) {
    const exited = new Promise((resolve) => redis!.once('exit', resolve));
    redis.kill('SIGTERM');
    await exited;
  }
  redis = undefined;
};

/** A redis-server of our own on a free port, without persistence; its URL. */
async function startPrivateRedis(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
  const child = spawn(env.BENCH_REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  redis = child;
  await new Promise<void>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${text.slice(-300)}`)));
    setTimeout(() => reject(new Error('redis-server was not ready within 10 s')), 10_000);
  });
  child.stdout!.resume();
  return `redis://127.0.0.1:${port}`;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping`);
    stopOpenLoop();
    void stopAll().finally(() => process.exit(130));
  });
}

function ask<T>(child: Child<unknown>, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} did not answer ${type} within 30 s`)), 30_000);
    const onMessage = (message: { type: string }) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.process.off('message', onMessage);
      resolve(message as T);
    };
    child.process.on('message', onMessage);
    child.process.send({ type });
  });
}

/** Open file descriptors of a process (sockets, pipes, files), read from /proc. */
const fdCount = (pid: number) => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
};

const SERVICES: ServiceName[] = ['gateway', ...SUBGRAPHS];

interface ProcessReading {
  name: string;
  pid: number;
  rssMiB: number;
  heapMiB: number;
  handles: number;
  fds: number;
}

interface WindowFigures {
  index: number;
  endedAtSeconds: number;
  processes: ProcessReading[];
  queries: { sent: number; answered: number; p50: number; p99: number; failed: number; dropped: number; firstFailure?: string };
  writes: { done: number; p50: number; p99: number; failed: number };
  events: { received: number; live: number; p50: number; p99: number; max: number };
  resumes: number;
  missed: number;
  duplicated: number;
  outOfOrder: number;
  subscriberErrors: number;
  /** Subscribers with a miss, a duplicate or an error so far. */
  troubled: SubscriberFigures[];
  gateway: NonNullable<MemoryReading['subscriptions']> | undefined;
  postgresConnections: number;
  /**
   * Of those, connections idle (or idle in a transaction) for over two windows while the load runs:
   * a pool hands its idle connections out oldest first, so under load every pooled one is used
   * within seconds; one left that long is held by nothing that runs (a client never ended, a
   * transaction never finished).
   */
  postgresStale: number;
  /** The machine's 1-minute load average at the window's end (other work on the box shows here). */
  loadAverage: number;
}

// ---- writes: a fixed rate of run changes through the gateway, each one event in its organization's run stream ----

interface Writer {
  organizationId: string;
  token: string;
  definitionId: string;
  drafts: string[];
  submitted: string[];
}

class WriteLoad {
  private latencies: number[] = [];
  private failed = 0;
  private done = 0;
  totalFailed = 0;
  firstFailure: string | null = null;
  /** Writes answered without errors, per organization: each made one event in its run stream. */
  readonly acknowledged = new Map<string, number>();
  private inFlight = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly writers: Writer[],
  ) {}

  /** One write in the given organization; resolves when it is answered. */
  async once(writer: Writer): Promise<void> {
    const roll = Math.random();
    let query: string;
    let variables: Record<string, unknown>;
    let after: (data: any) => void;
    if (writer.submitted.length > 0 && roll < 0.5) {
      const runId = writer.submitted.shift()!;
      query = 'mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { id state } }';
      variables = { i: { runId, transition: roll < 0.4 ? 'approve' : 'reject' } };
      after = () => {};
    } else if (writer.drafts.length > 0 && roll < 0.8) {
      const runId = writer.drafts.shift()!;
      query = 'mutation($i: TransitionWorkflowRunInput!) { transitionWorkflowRun(input: $i) { id state } }';
      variables = { i: { runId, transition: 'submit' } };
      after = () => writer.submitted.push(runId);
    } else {
      query = 'mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id state } }';
      variables = { i: { definitionId: writer.definitionId, data: { amount: Math.floor(Math.random() * 1000) } } };
      after = (data) => writer.drafts.push(data.startWorkflowRun.id as string);
    }
    const begun = performance.now();
    this.inFlight++;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${writer.token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await response.json()) as { data?: any; errors?: unknown };
      if (response.status !== 200 || body.errors || !body.data) throw new Error(`HTTP ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
      after(body.data);
      this.latencies.push(performance.now() - begun);
      this.done++;
      this.acknowledged.set(writer.organizationId, (this.acknowledged.get(writer.organizationId) ?? 0) + 1);
    } catch (error) {
      this.failed++;
      this.totalFailed++;
      this.firstFailure ??= `${clock()} ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.inFlight--;
    }
  }

  /** Writes at `rate` per second, round robin over the organizations, never waiting for an answer (at most 64 in flight). */
  start(rate: number) {
    this.running = true;
    this.loop = (async () => {
      const pending = new Set<Promise<void>>();
      const begun = performance.now();
      for (let i = 0; this.running; i++) {
        const wait = begun + (i * 1000) / rate - performance.now();
        if (wait > 0) await sleep(wait);
        if (!this.running) break;
        if (this.inFlight >= 64) {
          this.failed++;
          this.totalFailed++;
          this.firstFailure ??= `${clock()} 64 writes in flight: the platform fell behind`;
          continue;
        }
        const p = this.once(this.writers[i % this.writers.length]!);
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }
      await Promise.all(pending);
    })();
  }

  async stop() {
    this.running = false;
    await this.loop;
  }

  /** This window's figures (and a fresh window). */
  window() {
    const sorted = this.latencies.sort((a, b) => a - b);
    const figures = { done: this.done, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), failed: this.failed };
    this.latencies = [];
    this.done = 0;
    this.failed = 0;
    return figures;
  }
}

// ---- growth: the rule the run is judged by, stated in its output ----

const median = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.5);

/** Least-squares slope of the values against their index (per window). */
function slopeOf(values: number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  values.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

/**
 * Steady growth of a series read once per window: the first window is warm-up (JIT, caches, pools
 * filling); over the rest, a least-squares slope above `perTenMinutes` and a last third whose median
 * is more than `floor` above the first third's.
 */
function growthOf(values: number[], perTenMinutes: number, floor: number): { first: number; last: number; per10min: number; grew: boolean } {
  const judged = values.slice(1);
  const third = Math.max(1, Math.floor(judged.length / 3));
  const first = median(judged.slice(0, third));
  const last = median(judged.slice(-third));
  const per10min = (slopeOf(judged) * 600) / env.BENCH_SOAK_WINDOW_SECONDS;
  return { first, last, per10min, grew: per10min > perTenMinutes && last - first > floor };
}

async function main() {
  const machine = {
    cpus: os.availableParallelism(),
    model: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: here('..'), encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  // The code measured: the commit, and whether the services' sources differed from it (another
  // engineer's uncommitted work in the same tree is measured too).
  const code = { commit: git('rev-parse', '--short', 'HEAD'), uncommitted: git('status', '--porcelain', '--', 'gateway', 'packages', 'subgraphs', 'schema').split('\n').filter(Boolean) };
  progress(`machine: ${JSON.stringify(machine)}; code ${code.commit}${code.uncommitted.length ? ` with ${code.uncommitted.length} uncommitted file(s) in the services` : ''}`);
  const windows = Math.max(3, Math.ceil((env.BENCH_SOAK_MINUTES * 60) / env.BENCH_SOAK_WINDOW_SECONDS));
  const volume = QUICK_VOLUME;

  const redisUrl = env.BENCH_SOAK_REDIS === 'none' ? undefined : env.BENCH_SOAK_REDIS === 'private' ? await startPrivateRedis() : env.BENCH_SOAK_REDIS;
  if (redis) progress(`private redis-server on ${redisUrl} (pid ${redis.pid})`);
  progress(`starting the platform (five processes) on a fresh database, ${redisUrl ? `events through Redis ${redisUrl}` : 'in-memory events'}; seeding ${volume.organizations} organizations, signing in ${env.BENCH_SOAK_USERS} users`);
  platform = await startBenchPlatform({
    databaseUrl: env.BENCH_POSTGRES_URL,
    volume,
    sessions: env.BENCH_SOAK_USERS,
    poolMax: 10,
    ...(redisUrl ? { redisUrl } : {}),
    execArgv: () => ['--expose-gc'],
    progress,
  });
  const { sql, sessions, gatewayUrl } = platform;

  // One writer per organization: its first signed-in OWNER or ADMIN (approvals need one), on the
  // organization's first seeded workflow definition (draft -> submitted -> approved | rejected).
  const writers: Writer[] = [];
  for (let o = 1; o <= volume.organizations; o++) {
    const organizationId = uid('organization', o);
    const session = sessions.find((s) => s.organizationId === organizationId && (s.role === 'OWNER' || s.role === 'ADMIN'));
    if (!session) throw new Error(`no signed-in OWNER or ADMIN in organization ${o}: raise BENCH_SOAK_USERS`);
    writers.push({ organizationId, token: session.token, definitionId: uid('definition', (o - 1) * volume.definitionsPerOrganization + 1), drafts: [], submitted: [] });
  }
  const writes = new WriteLoad(gatewayUrl, writers);
  // One run per organization first, so that every run stream exists; its head is where the subscribers start.
  await Promise.all(writers.map((w) => writes.once(w)));
  if (writes.totalFailed > 0) throw new Error(`the first writes failed: ${writes.firstFailure}`);
  writes.window();
  const streamOf = (organizationId: string) => `workflow.org:${organizationId}:runs`;
  const heads = async () => {
    const rows = await sql<{ stream: string; seq: string }[]>`select stream, seq::text from workflow.event_streams where stream like 'workflow.org:%:runs'`;
    return new Map(rows.map((r) => [r.stream, Number(r.seq)]));
  };
  const startHeads = await heads();

  /** The platform's processes (the services, the private Redis), the gateway's subscription counters, the database's Postgres connections. */
  const readPlatform = async () => {
    const readings = await Promise.all(SERVICES.map((name) => ask<MemoryReading>(platform!.services[name], 'memory')));
    const processes: ProcessReading[] = SERVICES.map((name, i) => {
      const r = readings[i]!;
      const pid = platform!.services[name].pid;
      return { name, pid, rssMiB: r.rss / MiB, heapMiB: r.heapUsed / MiB, handles: Object.values(r.handles).reduce((n, c) => n + c, 0), fds: fdCount(pid) };
    });
    if (redis?.pid) {
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${redis.pid}/status`, 'utf8'));
      processes.push({ name: 'redis', pid: redis.pid, rssMiB: rss ? Number(rss[1]) / 1024 : Number.NaN, heapMiB: Number.NaN, handles: Number.NaN, fds: fdCount(redis.pid) });
    }
    const [{ n: postgresConnections } = { n: 0 }] = await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where datname = ${platform!.databaseName}`;
    return { processes, gateway: readings[0]!.subscriptions, postgresConnections };
  };
  // Idle before the load: after the sign-ins and the first writes, with keep-alive sockets timed out
  // (IDLE_WAIT_MS). The same reading after the load, once every subscriber has
  // gone, must be back at this level: a handle or socket left behind per resume would show there.
  await sleep(IDLE_WAIT_MS);
  const idleBefore = await readPlatform();

  // Subscribers: each transport's share spread over the signed-in users (so over organizations and roles).
  const transports: Transport[] = [
    ...Array<Transport>(env.BENCH_SOAK_WS).fill('graphql-ws'),
    ...Array<Transport>(env.BENCH_SOAK_SSE).fill('sse'),
    ...Array<Transport>(env.BENCH_SOAK_MULTIPART).fill('multipart'),
  ];
  const specs: SubscriberSpec[] = transports.map((transport, id) => {
    const session: Session = sessions[id % sessions.length]!;
    const start = startHeads.get(streamOf(session.organizationId));
    if (start === undefined) throw new Error(`organization ${session.organizationId} has no run stream`);
    return { id, transport, organizationId: session.organizationId, role: session.role, token: session.token, start };
  });
  const organizationNumber = new Map(writers.map((w, i) => [w.organizationId, i + 1]));
  progress(`opening ${specs.length} subscribers (${env.BENCH_SOAK_WS} graphql-ws, ${env.BENCH_SOAK_SSE} SSE, ${env.BENCH_SOAK_MULTIPART} multipart) over ${env.BENCH_SOAK_CLIENT_PROCESSES} processes`);
  const share = Math.ceil(specs.length / env.BENCH_SOAK_CLIENT_PROCESSES);
  for (let w = 0; w < env.BENCH_SOAK_CLIENT_PROCESSES; w++) {
    // Interleaved, so that every process holds every transport.
    const slice = specs.filter((_, i) => i % env.BENCH_SOAK_CLIENT_PROCESSES === w);
    if (slice.length === 0 || share === 0) continue;
    const config: ClientsConfig = {
      url: gatewayUrl,
      subscribers: slice,
      dropSeconds: env.BENCH_SOAK_DROP_SECONDS,
      offlineSeconds: env.BENCH_SOAK_OFFLINE_SECONDS,
      longEvery: env.BENCH_SOAK_LONG_EVERY,
      longSeconds: env.BENCH_SOAK_LONG_OFFLINE_SECONDS,
      fault: env.BENCH_SOAK_FAULT === 'leak-connection' ? 'none' : env.BENCH_SOAK_FAULT,
    };
    workers.push(await startChild<ClientsConfig, { subscribers: number }>(here('./soak/clients.ts'), config, { execArgv: ['--expose-gc'], readyTimeoutMs: 120_000 }));
  }
  const pids = Object.fromEntries(SERVICES.map((name) => [name, platform!.services[name].pid]));
  progress(`platform pids ${JSON.stringify(pids)}, subscriber pids ${workers.map((w) => w.pid).join(', ')}`);

  out(
    `Soak: ${env.BENCH_SOAK_MINUTES} min in ${windows} windows of ${env.BENCH_SOAK_WINDOW_SECONDS} s; ${env.BENCH_SOAK_QUERIES_PER_SECOND} queries/s, ${env.BENCH_SOAK_WRITES_PER_SECOND} writes/s, ` +
      `${specs.length} subscribers (${env.BENCH_SOAK_WS} graphql-ws, ${env.BENCH_SOAK_SSE} SSE, ${env.BENCH_SOAK_MULTIPART} multipart) dropping every ${env.BENCH_SOAK_DROP_SECONDS} s on average (x0.5-1.5), away up to ${env.BENCH_SOAK_OFFLINE_SECONDS} s` +
      `${env.BENCH_SOAK_LONG_EVERY > 0 ? ` (every ${env.BENCH_SOAK_LONG_EVERY}th drop ${env.BENCH_SOAK_LONG_OFFLINE_SECONDS} s)` : ''}; ` +
      `${env.BENCH_SOAK_FAULT === 'none' ? '' : `DELIBERATE CLIENT FAULT ${env.BENCH_SOAK_FAULT} (the run must fail); `}` +
      `${volume.organizations} organizations, ${env.BENCH_SOAK_USERS} users; Postgres${redisUrl ? ` and Redis (${env.BENCH_SOAK_REDIS === 'private' ? 'a private redis-server' : redisUrl})` : ', in-memory pub/sub'}`,
  );
  out(`${machine.cpus} CPUs (${machine.model}), ${machine.memoryGiB} GiB, node ${machine.node}, load average at start ${machine.loadAverageAtStart.join(' ')}; code ${code.commit}${code.uncommitted.length ? ` + uncommitted: ${code.uncommitted.join(', ')}` : ''}`);
  out(`Memory is after a full GC in each process (--expose-gc), asked once per window; handles = process.getActiveResourcesInfo(); fds = /proc/<pid>/fd.`);

  // ---- the windows ----
  loadStarted = Date.now();
  writes.start(env.BENCH_SOAK_WRITES_PER_SECOND);
  const history: WindowFigures[] = [];
  let receivedBefore = 0;
  let resumesBefore = 0;
  const queryBody = (i: number) => {
    const session = sessions[Math.floor(i / 2) % sessions.length]!;
    return { body: i % 2 === 0 ? session.dashboardBody : session.viewerBody, headers: { authorization: `Bearer ${session.token}` }, verify: (body: string) => !body.includes('"errors"') };
  };
  let queryIndex = 0;
  const readProcesses = async (answers: WindowAnswer[]) => {
    const { processes, gateway } = await readPlatform();
    const subscriberRows = answers.map((a, i) => ({ name: `subscribers ${i + 1}`, pid: workers[i]!.pid, rssMiB: a.rss / MiB, heapMiB: a.heapUsed / MiB, handles: a.handles, fds: fdCount(workers[i]!.pid) }));
    const own = process.memoryUsage();
    const driver = { name: 'driver (no GC)', pid: process.pid, rssMiB: own.rss / MiB, heapMiB: own.heapUsed / MiB, handles: process.getActiveResourcesInfo().length, fds: fdCount(process.pid) };
    return { processes: [...processes, ...subscriberRows, driver], gateway };
  };
  const collect = async (index: number, queries: WindowFigures['queries']): Promise<WindowFigures> => {
    const answers = await Promise.all(workers.map((w) => ask<WindowAnswer>(w, 'window')));
    const { processes, gateway } = await readProcesses(answers);
    const subs = answers.flatMap((a) => a.subscribers);
    const latencies = answers.flatMap((a) => a.latencies).sort((a, b) => a - b);
    const received = subs.reduce((n, s) => n + s.received, 0);
    const resumes = subs.reduce((n, s) => n + s.resumes, 0);
    const [{ n: connections, stale } = { n: 0, stale: 0 }] = await sql<{ n: number; stale: number }[]>`
      select count(*)::int as n,
        count(*) filter (where pid <> pg_backend_pid() and state <> 'active' and state_change < now() - make_interval(secs => ${2 * env.BENCH_SOAK_WINDOW_SECONDS}))::int as stale
      from pg_stat_activity where datname = ${platform!.databaseName}`;

    const figures: WindowFigures = {
      index,
      endedAtSeconds: (Date.now() - loadStarted) / 1000,
      processes,
      queries,
      writes: writes.window(),
      events: { received: received - receivedBefore, live: latencies.length, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1) ?? Number.NaN },
      resumes: resumes - resumesBefore,
      missed: subs.reduce((n, s) => n + s.missed, 0),
      duplicated: subs.reduce((n, s) => n + s.duplicated, 0),
      outOfOrder: subs.reduce((n, s) => n + s.outOfOrder, 0),
      subscriberErrors: subs.reduce((n, s) => n + s.errors, 0),
      troubled: subs.filter((s) => s.missed + s.duplicated + s.outOfOrder + s.errors > 0),
      gateway,
      postgresConnections: connections,
      postgresStale: stale,
      loadAverage: os.loadavg()[0]!,
    };
    receivedBefore = received;
    resumesBefore = resumes;
    return figures;
  };

  const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
  const printWindow = (w: WindowFigures, total: number, subscriberCount: number) => {
    const g = w.gateway;
    out();
    out(`window ${w.index}/${total} (to ${fmt(w.endedAtSeconds / 60, 1)} min; machine load average ${fmt(w.loadAverage, 2)} on ${os.availableParallelism()} CPUs)`);
    out(
      `  queries ${w.queries.answered}/${w.queries.sent} p50 ${fmt(w.queries.p50)} ms p99 ${fmt(w.queries.p99)} ms failed ${w.queries.failed} dropped ${w.queries.dropped}` +
        ` | writes ${w.writes.done} p50 ${fmt(w.writes.p50)} ms p99 ${fmt(w.writes.p99)} ms failed ${w.writes.failed}` +
        ` | events delivered ${w.events.received}, committed while connected ${w.events.live}: p50 ${fmt(w.events.p50)} ms p99 ${fmt(w.events.p99)} ms max ${fmt(w.events.max)} ms | resumes ${w.resumes}`,
    );
    out(
      `  gateway: ${g ? `${g.topics} topics, ${g.connections} upstream connections, ${g.listeners} listeners, peak queue ${g.peakQueued}, slow consumers cut ${g.slowConsumers}` : '-'}; Postgres connections to the database ${w.postgresConnections} (${w.postgresStale} idle over ${2 * env.BENCH_SOAK_WINDOW_SECONDS} s)`,
    );
    out(`  ${'process'.padEnd(16)} ${'pid'.padStart(8)} ${'RSS MiB'.padStart(8)} ${'heap MiB'.padStart(9)} ${'handles'.padStart(8)} ${'fds'.padStart(5)}`);
    for (const p of w.processes) out(`  ${p.name.padEnd(16)} ${String(p.pid).padStart(8)} ${fmt(p.rssMiB).padStart(8)} ${fmt(p.heapMiB).padStart(9)} ${fmt(p.handles, 0).padStart(8)} ${fmt(p.fds, 0).padStart(5)}`);
    const clean = subscriberCount - w.troubled.length;
    out(`  subscribers so far: missed ${w.missed}, duplicated ${w.duplicated}, out of order ${w.outOfOrder}, errors ${w.subscriberErrors}; ${clean}/${subscriberCount} subscribers with 0 missed, 0 duplicated, 0 errors`);
    for (const s of w.troubled) out(`    subscriber ${s.id} (${s.transport}, organization ${organizationNumber.get(s.organizationId)}): missed ${s.missed} duplicated ${s.duplicated} out of order ${s.outOfOrder} errors ${s.errors}; first: ${s.firstProblem ?? '-'}`);
  };

  for (let index = 1; index <= windows; index++) {
    const seconds = env.BENCH_SOAK_WINDOW_SECONDS;
    const offset = queryIndex;
    const rate = env.BENCH_SOAK_QUERIES_PER_SECOND;
    let queries: WindowFigures['queries'];
    if (rate > 0) {
      const result = await openLoop({ url: gatewayUrl, rate, seconds, maxInFlight: 64, request: (i) => queryBody(offset + i) });
      queryIndex += result.scheduled;
      const sorted = result.latencies.sort((a, b) => a - b);
      queries = {
        sent: result.scheduled,
        answered: result.latencies.length,
        p50: quantile(sorted, 0.5),
        p99: quantile(sorted, 0.99),
        failed: result.non2xx + result.errors + result.mismatches,
        dropped: result.dropped,
        ...(result.firstFailure ? { firstFailure: result.firstFailure } : {}),
      };
    } else {
      await sleep(seconds * 1000);
      queries = { sent: 0, answered: 0, p50: Number.NaN, p99: Number.NaN, failed: 0, dropped: 0 };
    }
    if (env.BENCH_SOAK_FAULT === 'leak-connection') await leakConnection();
    const figures = await collect(index, queries);
    history.push(figures);
    printWindow(figures, windows, specs.length);
  }

  // ---- settle: writes stop, every subscriber reconnects and stays; then each must end at its stream's head ----
  progress('load over: writes stop, subscribers resume one last time and stay');
  await writes.stop();
  await Promise.all(workers.map((w) => ask(w, 'settle')));
  const endHeads = await heads();
  const settleStart = Date.now();
  let final: SubscriberFigures[] = [];
  for (;;) {
    final = (await Promise.all(workers.map((w) => ask<WindowAnswer>(w, 'window')))).flatMap((a) => a.subscribers);
    const behind = final.filter((s) => s.last < endHeads.get(streamOf(s.organizationId))! || !s.connected);
    if (behind.length === 0) break;
    if (Date.now() - settleStart > 120_000) {
      progress(`${behind.length} subscriber(s) still behind their stream's head after 120 s`);
      break;
    }
    await sleep(500);
  }
  // Nothing more may trail behind (a duplicate after the last event).
  await sleep(2000);
  const settled = await collect(windows + 1, { sent: 0, answered: 0, p50: Number.NaN, p99: Number.NaN, failed: 0, dropped: 0 });
  final = (await Promise.all(workers.map((w) => ask<WindowAnswer>(w, 'window')))).flatMap((a) => a.subscribers);
  final.sort((a, b) => a.id - b.id);
  progress('every subscriber leaves; the platform idles');
  await Promise.allSettled(workers.splice(0).map((w) => w.stop()));
  await sleep(IDLE_WAIT_MS);
  const idleAfter = await readPlatform();

  // ---- the truth: the workflow subgraph's event log in Postgres ----
  // Each organization's run stream since the subscribers' start: the events every one of its
  // subscribers must have, once each. The log must be numbered without holes (the subscribers'
  // own check relies on it), and hold one event per acknowledged write (more only if a write
  // that failed for its client committed anyway).
  const logRows = await sql<{ stream: string; n: number; lo: string | null; hi: string | null }[]>`
    select stream, count(*)::int as n, min(seq)::text as lo, max(seq)::text as hi from workflow.events
    where stream like 'workflow.org:%:runs' group by stream`;
  const log = new Map(logRows.map((r) => [r.stream, r]));
  const logProblems: string[] = [];
  const expectedOf = new Map<string, number>();
  for (const w of writers) {
    const stream = streamOf(w.organizationId);
    const start = startHeads.get(stream)!;
    const [{ n } = { n: 0 }] = await sql<{ n: number }[]>`select count(*)::int as n from workflow.events where stream = ${stream} and seq > ${start}`;
    const head = endHeads.get(stream)!;
    expectedOf.set(w.organizationId, n);
    if (n !== head - start) logProblems.push(`organization ${organizationNumber.get(w.organizationId)}: ${n} events after ${start} but the head is ${head}`);
    const acked = writes.acknowledged.get(w.organizationId) ?? 0;
    const first = 1; // the warm-up write, before the subscribers' start
    if (n !== acked - first) logProblems.push(`organization ${organizationNumber.get(w.organizationId)}: ${n} events in the log, ${acked - first} writes acknowledged`);
    if (!log.get(stream)) logProblems.push(`organization ${organizationNumber.get(w.organizationId)}: no events`);
  }
  const rows = final.map((s) => {
    const head = endHeads.get(streamOf(s.organizationId))!;
    const expected = expectedOf.get(s.organizationId)!;
    // Never received: skipped over (missed) or never reached (the stream went further than the subscriber).
    const missed = s.missed + Math.max(0, head - s.last);
    return { ...s, expected, missed };
  });

  // ---- verdict ----
  const totals = {
    expected: rows.reduce((n, r) => n + r.expected, 0),
    received: rows.reduce((n, r) => n + r.received, 0),
    missed: rows.reduce((n, r) => n + r.missed, 0),
    duplicated: rows.reduce((n, r) => n + r.duplicated, 0),
    outOfOrder: rows.reduce((n, r) => n + r.outOfOrder, 0),
    errors: rows.reduce((n, r) => n + r.errors, 0),
    drops: rows.reduce((n, r) => n + r.drops, 0),
    resumes: rows.reduce((n, r) => n + r.resumes, 0),
  };
  const names = [...new Set(history.flatMap((w) => w.processes.map((p) => p.name)))];
  // The platform's processes; Redis by its open fds (its clients) only.
  const judged = new Set<string>([...SERVICES, 'redis']);
  const growth = names.map((name) => {
    const series = (pick: (p: ProcessReading) => number) => history.map((w) => pick(w.processes.find((p) => p.name === name)!));
    const heap = growthOf(series((p) => p.heapMiB), env.BENCH_SOAK_GROWTH_SLOPE, env.BENCH_SOAK_GROWTH_MIB);
    const rss = growthOf(series((p) => p.rssMiB), env.BENCH_SOAK_GROWTH_SLOPE, env.BENCH_SOAK_GROWTH_MIB);
    const before = idleBefore.processes.find((p) => p.name === name);
    const after = idleAfter.processes.find((p) => p.name === name);
    // Handles and fds: idle after the load against idle before it (the windows' counts follow how many subscribers are connected at that moment).
    const handles = { first: before?.handles ?? Number.NaN, last: after?.handles ?? Number.NaN, grew: (after?.handles ?? 0) > (before?.handles ?? 0) + IDLE_MARGIN };
    const fds = { first: before?.fds ?? Number.NaN, last: after?.fds ?? Number.NaN, grew: (after?.fds ?? 0) > (before?.fds ?? 0) + IDLE_MARGIN };
    return { name, judged: judged.has(name), heap, rss, handles, fds, grew: judged.has(name) && (heap.grew || handles.grew || fds.grew) };
  });
  const leftOpen = idleAfter.gateway ? idleAfter.gateway.topics + idleAfter.gateway.connections + idleAfter.gateway.listeners : 0;
  // The connections themselves rise with the load's peaks (each pool opens one more when all of
  // its own are busy, up to its maximum, and keeps it): their high-water mark, printed, not judged.
  // A leak is a connection nothing uses any more: those are judged, by the same trend rule.
  const pgGrowth = growthOf(
    history.map((w) => w.postgresConnections),
    1,
    5,
  );
  const pgStale = growthOf(
    history.map((w) => w.postgresStale),
    1,
    2,
  );
  const queryFailures = history.reduce((n, w) => n + w.queries.failed + w.queries.dropped, 0);
  const firstQueryFailure = history.find((w) => w.queries.firstFailure)?.queries.firstFailure ?? 'dropped: the queries in flight reached 64';
  const slowConsumers = settled.gateway?.slowConsumers ?? 0;
  const failures: string[] = [];
  if (totals.missed > 0) failures.push(`${totals.missed} event(s) missed`);
  if (totals.duplicated > 0) failures.push(`${totals.duplicated} duplicate(s)`);
  if (totals.outOfOrder > 0) failures.push(`${totals.outOfOrder} event(s) out of order`);
  if (totals.errors > 0) failures.push(`${totals.errors} subscriber error(s) or connection(s) ended by the gateway`);
  if (slowConsumers > 0) failures.push(`${slowConsumers} subscriber(s) cut off as slow consumers`);
  if (queryFailures > 0) failures.push(`${queryFailures} quer(ies) failed or dropped; the first: ${firstQueryFailure}`);
  if (writes.totalFailed > 0) failures.push(`${writes.totalFailed} write(s) failed; the first: ${writes.firstFailure}`);
  if (logProblems.length > 0) failures.push(`event log: ${logProblems.join('; ')}`);
  for (const g of growth.filter((g) => g.grew)) failures.push(`${g.name} grew: heap ${fmt(g.heap.first)} -> ${fmt(g.heap.last)} MiB (${fmt(g.heap.per10min, 2)} MiB per 10 min), idle handles ${g.handles.first} -> ${g.handles.last}, fds ${g.fds.first} -> ${g.fds.last}`);
  if (pgStale.grew) failures.push(`Postgres connections left idle grew: ${pgStale.first} -> ${pgStale.last} (of ${pgGrowth.first} -> ${pgGrowth.last})`);
  if (leftOpen > 0) failures.push(`the gateway kept ${JSON.stringify(idleAfter.gateway)} after every subscriber left`);

  out();
  out(`settled: writes stopped, every subscriber resumed and stayed; ${settled.gateway ? `gateway ${settled.gateway.topics} topics, ${settled.gateway.connections} upstream connections, ${settled.gateway.listeners} listeners` : ''}; Postgres connections ${settled.postgresConnections}`);
  out();
  out(`Every subscriber against the workflow subgraph's event log (workflow.events, its organization's run stream after the subscriber's start cursor):`);
  out(`  ${['id', 'transport', 'org', 'role', 'drops', 'resumes', 'expected', 'received', 'missed', 'duplicated', 'out of order', 'errors'].map((h) => h.padStart(10)).join(' ')}`);
  for (const r of rows) {
    out(
      `  ${[r.id, r.transport, organizationNumber.get(r.organizationId), r.role, r.drops, r.resumes, r.expected, r.received, r.missed, r.duplicated, r.outOfOrder, r.errors].map((c) => String(c).padStart(10)).join(' ')}` +
        (r.firstProblem ? `  first: ${r.firstProblem}` : ''),
    );
  }
  out();
  out('Per transport:');
  for (const t of ['graphql-ws', 'sse', 'multipart'] as const) {
    const of = rows.filter((r) => r.transport === t);
    if (of.length === 0) continue;
    const sum = (pick: (r: (typeof rows)[number]) => number) => of.reduce((n, r) => n + pick(r), 0);
    out(`  ${t.padEnd(10)} ${of.length} subscribers, ${sum((r) => r.resumes)} resumes, ${sum((r) => r.expected)} events expected, ${sum((r) => r.received)} received, missed ${sum((r) => r.missed)}, duplicated ${sum((r) => r.duplicated)}, out of order ${sum((r) => r.outOfOrder)}, errors ${sum((r) => r.errors)}`);
  }
  const allLatencies = history.map((w) => w.events);
  out();
  out(
    `Growth rule: a platform process (gateway, subgraphs, the private Redis) fails when its heap after GC, over the windows after the first (warm-up), rises along a least-squares line steeper than ` +
      `${env.BENCH_SOAK_GROWTH_SLOPE} MiB per 10 minutes and its last-third median is more than ${env.BENCH_SOAK_GROWTH_MIB} MiB above its first-third median (the same rule, 1 and 5 connections, for the database's Postgres connections); ` +
      `or when its active handles or open fds, idle after the load with every subscriber gone, are more than ${IDLE_MARGIN} above idle before the load (connection pools may have filled meanwhile); ` +
      `or when the gateway still holds a topic, upstream connection or listener then. RSS and the benchmark's own processes are shown, not judged.`,
  );
  out(`  ${'process'.padEnd(16)} ${'heap MiB first -> last third, per 10 min'.padStart(42)} ${'RSS MiB'.padStart(16)} ${'handles idle before -> after'.padStart(30)} ${'fds idle before -> after'.padStart(26)}  verdict`);
  for (const g of growth) {
    out(
      `  ${g.name.padEnd(16)} ${`${fmt(g.heap.first)} -> ${fmt(g.heap.last)}, ${g.heap.per10min >= 0 ? '+' : ''}${fmt(g.heap.per10min, 2)}`.padStart(42)} ${`${fmt(g.rss.first, 0)} -> ${fmt(g.rss.last, 0)}`.padStart(16)} ${`${fmt(g.handles.first, 0)} -> ${fmt(g.handles.last, 0)}`.padStart(30)} ${`${fmt(g.fds.first, 0)} -> ${fmt(g.fds.last, 0)}`.padStart(26)}  ${g.judged ? (g.grew ? 'GREW' : 'flat') : '(not judged)'}`,
    );
  }
  out(`  ${'Postgres conns'.padEnd(16)} ${`${pgGrowth.first} -> ${pgGrowth.last}`.padStart(42)} ${''.padStart(16)} ${`${idleBefore.postgresConnections} -> ${idleAfter.postgresConnections}`.padStart(30)} ${''.padStart(26)}  ${pgStale.grew ? 'GREW' : 'flat'} (idle over ${2 * env.BENCH_SOAK_WINDOW_SECONDS} s: ${pgStale.first} -> ${pgStale.last}${pgGrowth.grew ? '; the total rose with the pools\' high-water mark' : ''})`);
  out(`  gateway idle before: ${JSON.stringify(idleBefore.gateway)}; idle after every subscriber left: ${JSON.stringify(idleAfter.gateway)}`);
  out();
  const q = history.map((w) => w.queries);
  out(
    `Totals: ${q.reduce((n, w) => n + w.answered, 0)} queries answered (window p99 ${fmt(Math.min(...q.map((w) => w.p99)))}-${fmt(Math.max(...q.map((w) => w.p99)))} ms), ` +
      `${history.reduce((n, w) => n + w.writes.done, 0)} writes, ${totals.expected} deliveries expected, ${totals.received} received, ${totals.drops} drops, ${totals.resumes} resumes; ` +
      `event latency (committed while connected) window p99 ${fmt(Math.min(...allLatencies.map((e) => e.p99)))}-${fmt(Math.max(...allLatencies.map((e) => e.p99)))} ms; ` +
      `missed ${totals.missed}, duplicated ${totals.duplicated}, out of order ${totals.outOfOrder}, subscriber errors ${totals.errors}, slow consumers cut ${slowConsumers}`,
  );

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const resultPath = join(RESULTS_DIR, `soak-${stamp}.json`);
  const settings = { ...env, BENCH_POSTGRES_URL: undefined };
  writeFileSync(resultPath, `${JSON.stringify({ date: new Date().toISOString(), machine, code, settings, windows: history, settled, idleBefore, idleAfter, subscribers: rows, growth, pgGrowth, pgStale, logProblems, failures }, null, 2)}\n`);
  out(`Results: ${resultPath}`);
  out(failures.length === 0 ? 'PASS: 0 missed, 0 duplicated, no errors, flat memory and handles' : `FAIL: ${failures.join('; ')}`);

  await stopAll();
  process.exitCode = failures.length === 0 ? 0 : 1;
}

main().catch(async (error: unknown) => {
  progress(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await stopAll().catch(() => {});
  process.exit(1);
});

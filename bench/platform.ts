import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrivateRedis, type PrivateRedis } from '@organoise/core/testing';
import { loadPlatformBenchEnv } from './env.js';
import { quantile } from './lib/load.js';
import { cpuMs, peakRssMiB, resetPeakRss } from './lib/proc.js';
import { summariseProfile } from './lib/profile.js';
import { measureFreshness, type Freshness } from './platform/freshness.js';
import { openLoop, stopOpenLoop, type OpenLoopResult } from './platform/open-loop.js';
import { FULL_VOLUME, QUICK_VOLUME } from './platform/seed.js';
import { SUBGRAPHS, type ServiceName } from './platform/services.js';
import { recheck, startBenchPlatform, type BenchPlatform } from './platform/setup.js';

// npm run bench:platform — the platform's read path on real Postgres at realistic volume: the
// PlatformDashboard query (all four subgraphs) at a fixed arrival rate, open loop, against a
// baseline measured side by side in the same run: `{ viewer { id } }` (gateway, token check and
// principal lookup, one subgraph) at the same rate, and the same dashboard through a second gateway
// with the response cache on (docs/decisions/0016-response-cache.md) over the same subgraphs. The
// measured time is cut into slices that alternate between the three (ABBA) so all see the same machine. Progress goes to stderr; the
// figures come last, on stdout.

const env = loadPlatformBenchEnv();
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const RESULTS_DIR = here('./results');
const volume = env.BENCH_QUICK ? QUICK_VOLUME : FULL_VOLUME;
const duration = env.BENCH_DURATION ?? (env.BENCH_QUICK ? 5 : 20);
const warmup = env.BENCH_WARMUP ?? (env.BENCH_QUICK ? 1 : 5);
const QUERIES = ['viewer', 'dashboard', 'dashboard-cached'] as const;
type QueryName = (typeof QUERIES)[number];
const LABEL: Record<QueryName, string> = { viewer: 'baseline { viewer { id } }', dashboard: 'PlatformDashboard', 'dashboard-cached': 'PlatformDashboard, response cache' };
/** The processes measured: both gateways (the cached one's own process), the subgraphs. */
type Measured = ServiceName | 'gateway-cached';
const SERVICES: Measured[] = ['gateway', 'gateway-cached', ...SUBGRAPHS];

const progress = (message: string) => process.stderr.write(`[bench:platform] ${message}\n`);
let platform: BenchPlatform | undefined;
let redis: PrivateRedis | undefined;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    progress(`${signal}: stopping`);
    stopOpenLoop();
    void (platform?.stop() ?? Promise.resolve()).finally(() => void (redis?.stop() ?? Promise.resolve()).finally(() => process.exit(130)));
  });
}

/** CPU of the Postgres backends serving the benchmark's database (they run as `postgres: user db ...`). */
function postgresCpuMs(databaseName: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.startsWith('postgres:') && cmdline.includes(` ${databaseName} `)) total += cpuMs(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

interface Point {
  query: QueryName;
  rate: number;
  result: OpenLoopResult;
  cpuMs: Record<Measured | 'postgres' | 'load', number>;
  /** Postgres transactions committed (each autocommit statement is one): N+1 queries show here. */
  transactions: number;
  peakRssMiB: Record<Measured, number>;
}

function merge(into: OpenLoopResult | undefined, run: OpenLoopResult): OpenLoopResult {
  if (!into) return { ...run, latencies: [...run.latencies] };
  for (const l of run.latencies) into.latencies.push(l);
  into.scheduled += run.scheduled;
  into.elapsedMs += run.elapsedMs;
  into.dropped += run.dropped;
  into.non2xx += run.non2xx;
  into.errors += run.errors;
  into.mismatches += run.mismatches;
  into.firstFailure ??= run.firstFailure;
  return into;
}

async function main() {
  const machine = {
    cpus: os.availableParallelism(),
    model: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  progress(`machine: ${JSON.stringify(machine)}; volume ${JSON.stringify(volume)}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const profileDir = (name: Measured) => join(RESULTS_DIR, `platform-${stamp}.cpuprofiles`, name);
  // The subgraphs publish their events on a redis-server of the benchmark's own (never the
  // machine's shared one): the cached gateway's only source of invalidation.
  redis = await startPrivateRedis();
  platform = await startBenchPlatform({
    redisUrl: redis.url,
    cachedGateway: true,
    databaseUrl: env.DATABASE_URL,
    volume,
    sessions: Math.min(20, volume.organizations * 2),
    poolMax: env.BENCH_DB_POOL,
    execArgv: (name) => (env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', profileDir(name)] : []),
    progress,
  });
  const p = platform;
  const sessions = p.sessions;
  const requestOf = (query: QueryName) => (i: number) => {
    const s = sessions[i % sessions.length]!;
    const [body, answer] = query === 'viewer' ? [s.viewerBody, s.viewerAnswer] : [s.dashboardBody, s.dashboardAnswer];
    return { body, headers: { authorization: `Bearer ${s.token}` }, verify: (text: string) => text === answer };
  };
  const cachedGateway = p.cachedGateway!;
  const pidOf = (name: Measured) => (name === 'gateway-cached' ? cachedGateway.pid : p.services[name].pid);
  const urlOf = (query: QueryName) => (query === 'dashboard-cached' ? cachedGateway.info.url : p.gatewayUrl);
  const transactions = async () => Number((await p.sql<{ n: string }[]>`select xact_commit::text as n from pg_stat_database where datname = current_database()`)[0]!.n);
  const run = (query: QueryName, rate: number, seconds: number) =>
    openLoop({ url: urlOf(query), rate, seconds, request: requestOf(query), maxInFlight: env.BENCH_MAX_IN_FLIGHT });

  const points: Point[] = [];
  const slices = Math.max(1, Math.round(duration / env.BENCH_SLICE));
  const sliceSeconds = duration / slices;
  for (const rate of env.BENCH_RATES) {
    const current = {} as Record<QueryName, Point>;
    for (const query of QUERIES) {
      if (warmup > 0) {
        progress(`${query}: warm-up at ${rate} requests/s, ${warmup} s`);
        await run(query, rate, warmup);
      }
      current[query] = {
        query,
        rate,
        result: undefined as unknown as OpenLoopResult,
        cpuMs: Object.fromEntries([...SERVICES, 'postgres', 'load'].map((k) => [k, 0])) as Record<Measured | 'postgres' | 'load', number>,
        transactions: 0,
        peakRssMiB: Object.fromEntries(SERVICES.map((k) => [k, 0])) as Record<Measured, number>,
      };
    }
    for (const name of SERVICES) resetPeakRss(pidOf(name));
    for (let slice = 0; slice < slices; slice++) {
      const order = slice % 2 === 0 ? QUERIES : [...QUERIES].reverse();
      for (const query of order) {
        if (interrupted) return;
        const point = current[query];
        const before = Object.fromEntries(SERVICES.map((name) => [name, cpuMs(pidOf(name))])) as Record<Measured, number>;
        const pgBefore = postgresCpuMs(p.databaseName);
        const xactBefore = await transactions();
        const selfBefore = process.cpuUsage();
        const result = await run(query, rate, sliceSeconds);
        const self = process.cpuUsage(selfBefore);
        for (const name of SERVICES) point.cpuMs[name] += cpuMs(pidOf(name)) - before[name];
        point.cpuMs.postgres += postgresCpuMs(p.databaseName) - pgBefore;
        // The statistics collector flushes about once a second; our own two readings count too.
        await new Promise((resolve) => setTimeout(resolve, 1100));
        point.transactions += (await transactions()) - xactBefore - 1;
        point.cpuMs.load += (self.user + self.system) / 1000;
        point.result = merge(point.result, result);
        const failed = result.non2xx + result.errors + result.mismatches;
        progress(
          `${query} at ${rate}/s, slice ${slice + 1}/${slices}: ${Math.round((result.latencies.length * 1000) / result.elapsedMs)} answered/s, ` +
            `p99 ${quantile([...result.latencies].sort((a, b) => a - b), 0.99).toFixed(0)} ms, ${result.dropped} dropped, ${failed} failed`,
        );
        // Figures from wrong answers mean nothing.
        if (result.mismatches > 0) throw new Error(`${query}: ${result.mismatches} answers other than the checked one; the first: ${result.firstFailure}`);
      }
    }
    for (const query of QUERIES) {
      for (const name of SERVICES) current[query].peakRssMiB[name] = peakRssMiB(pidOf(name));
      points.push(current[query]);
    }
  }

  await recheck(p);
  progress('after the load, every dashboard (of both gateways) still equals its checked answer');
  // Through the uncached gateway; through the cached one (read your own writes: must be 0 stale);
  // written through the uncached one and read through the cached one (another replica: the event's
  // propagation is the staleness window).
  const routes = [
    { path: 'uncached -> uncached', writeUrl: p.gatewayUrl, readUrl: p.gatewayUrl },
    { path: 'cached -> cached (same gateway)', writeUrl: cachedGateway.info.url, readUrl: cachedGateway.info.url },
    { path: 'uncached -> cached (another replica)', writeUrl: p.gatewayUrl, readUrl: cachedGateway.info.url },
  ];
  const freshnesses: Freshness[] = [];
  for (const route of routes) {
    const measured = await measureFreshness(p, route);
    freshnesses.push(measured);
    progress(`freshness ${route.path}: ${measured.writes} writes through the API, ${measured.staleAnswers} stale dashboard answers after them`);
  }
  const freshness = freshnesses[0]!;
  const { seedSeconds, seedTimings, databaseName } = p;
  await p.stop({ keepDatabase: env.BENCH_KEEP_DATABASE });
  platform = undefined;
  await redis.stop();
  redis = undefined;

  const profiles = env.BENCH_PROFILE
    ? SERVICES.map((name) => {
        const dir = profileDir(name);
        const path = readdirSync(dir)
          .map((f) => join(dir, f))
          .sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
        return { name, path, ...summariseProfile(path, 8) };
      })
    : [];

  const rows = points.map((pt) => {
    const sorted = [...pt.result.latencies].sort((a, b) => a - b);
    const answered = sorted.length;
    const seconds = pt.result.elapsedMs / 1000;
    const subgraphCpu = SUBGRAPHS.reduce((sum, name) => sum + pt.cpuMs[name], 0);
    return {
      query: pt.query,
      rate: pt.rate,
      scheduled: pt.result.scheduled,
      answered,
      seconds,
      rps: answered / seconds,
      p50: quantile(sorted, 0.5),
      p95: quantile(sorted, 0.95),
      p99: quantile(sorted, 0.99),
      max: sorted[sorted.length - 1] ?? Number.NaN,
      dropped: pt.result.dropped,
      failed: pt.result.non2xx + pt.result.errors + pt.result.mismatches,
      firstFailure: pt.result.firstFailure,
      cpuCores: Object.fromEntries(Object.entries(pt.cpuMs).map(([k, v]) => [k, v / pt.result.elapsedMs])),
      // Both gateways' processes: the one not asked in a slice idles (a few ms), so the sum is what the asked one cost.
      gatewayCpuMsPerRequest: (pt.cpuMs.gateway + pt.cpuMs['gateway-cached']) / answered,
      subgraphsCpuMsPerRequest: subgraphCpu / answered,
      postgresCpuMsPerRequest: pt.cpuMs.postgres / answered,
      // Per request sent (a dropped one ran nothing; a failed one may have run some).
      transactionsPerRequest: pt.transactions / (pt.result.scheduled - pt.result.dropped),
      ceiling: (machine.cpus * 1000) / ((pt.cpuMs.gateway + pt.cpuMs['gateway-cached'] + subgraphCpu + pt.cpuMs.postgres) / answered),
      cpuMsPerRequest: Object.fromEntries(Object.entries(pt.cpuMs).map(([k, v]) => [k, v / answered])),
      peakRssMiB: pt.peakRssMiB,
    };
  });
  mkdirSync(RESULTS_DIR, { recursive: true });
  const resultPath = join(RESULTS_DIR, `platform-${stamp}.json`);
  const settings = { quick: env.BENCH_QUICK, volume, duration, warmup, slices, rates: env.BENCH_RATES, maxInFlight: env.BENCH_MAX_IN_FLIGHT, dbPool: env.BENCH_DB_POOL, sessions: sessions.length, profile: env.BENCH_PROFILE };
  writeFileSync(resultPath, `${JSON.stringify({ date: new Date().toISOString(), machine, settings, databaseName, seedSeconds, seedTimings, rows, freshness: freshnesses, profiles }, null, 2)}\n`);

  const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
  const table = (header: string[], body: string[][]) => {
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
    return [line(header), `|${widths.map((w, i) => (i === 0 ? ':' : '-').padEnd(w + 1, '-') + (i === 0 ? '-' : ':')).join('|')}|`, ...body.map(line)].join('\n');
  };
  const out: string[] = [];
  for (const profile of profiles) {
    out.push(`Profile of ${profile.name} (${fmt(profile.totalMs / 1000)} s of CPU, self time; ${profile.path}):`);
    out.push(table(['function', 'self ms', 'share'], profile.functions.map((h) => [h.name, fmt(h.selfMs, 0), `${fmt(h.share * 100)}%`])));
    out.push('');
  }
  if (profiles.length > 0) out.push('(profiling slows every service: take the figures from a run without BENCH_PROFILE)', '');
  out.push(
    `Platform read path on Postgres: ${volume.organizations} organizations, ${volume.users} users, ${volume.runs} runs, ${volume.events} analytics events, ${volume.files} files (seeded in ${fmt(seedSeconds)} s)${env.BENCH_QUICK ? ' — QUICK MODE: a check, not a measurement' : ''}`,
  );
  out.push(`Open loop (latency from each request's scheduled send time), ${duration} s per query and rate in ${slices} alternating slices, ${warmup} s warm-up, ${sessions.length} signed-in users of ${new Set(sessions.map((s) => s.organizationId)).size} organizations`);
  out.push(`${machine.cpus} CPUs (${machine.model}), ${machine.memoryGiB} GiB, node ${machine.node}, load average at start ${machine.loadAverageAtStart.join(' ')}`);
  out.push(
    table(
      ['query', 'target/s', 'answered/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'dropped', 'failed', 'gateway ms/req', 'subgraphs ms/req', 'postgres ms/req', 'SQL/req', 'ceiling/s'],
      rows.map((r) => [LABEL[r.query], String(r.rate), fmt(r.rps), fmt(r.p50), fmt(r.p95), fmt(r.p99), fmt(r.max, 0), String(r.dropped), String(r.failed), fmt(r.gatewayCpuMsPerRequest, 2), fmt(r.subgraphsCpuMsPerRequest, 2), fmt(r.postgresCpuMsPerRequest, 2), fmt(r.transactionsPerRequest, 1), fmt(r.ceiling, 0)]),
    ),
  );
  out.push('SQL/req: Postgres transactions per request sent (each autocommit statement is one; from pg_stat_database, so approximate)');
  out.push(`ceiling/s: ${machine.cpus} cores divided by the CPU one answer cost (gateway + subgraphs + Postgres): the rate these processes could sustain with the machine to themselves, a bound that ignores queueing`);
  out.push('');
  out.push('CPU cores used per process (and the load generator), peak RSS MiB');
  out.push(
    table(
      ['query', 'target/s', ...SERVICES, 'postgres', 'load gen', `RSS ${SERVICES.join('/')}`],
      rows.map((r) => [
        LABEL[r.query],
        String(r.rate),
        ...[...SERVICES, 'postgres' as const, 'load' as const].map((k) => fmt(r.cpuCores[k]!, 2)),
        SERVICES.map((name) => fmt(r.peakRssMiB[name], 0)).join('/'),
      ]),
    ),
  );
  out.push('');
  out.push('PlatformDashboard / baseline at the same rate (answered/s: higher is better; the rest: lower is better)');
  out.push(
    table(
      ['target/s', 'answered/s', 'p50', 'p95', 'p99', 'gateway CPU/req', 'subgraphs CPU/req', 'postgres CPU/req', 'ceiling'],
      env.BENCH_RATES.map((rate) => {
        const base = rows.find((r) => r.query === 'viewer' && r.rate === rate)!;
        const dash = rows.find((r) => r.query === 'dashboard' && r.rate === rate)!;
        const x = (a: number, b: number) => `${fmt(a / b, 2)}x`;
        return [String(rate), x(dash.rps, base.rps), x(dash.p50, base.p50), x(dash.p95, base.p95), x(dash.p99, base.p99), x(dash.gatewayCpuMsPerRequest, base.gatewayCpuMsPerRequest), x(dash.subgraphsCpuMsPerRequest, base.subgraphsCpuMsPerRequest), x(dash.postgresCpuMsPerRequest, base.postgresCpuMsPerRequest), x(dash.ceiling, base.ceiling)];
      }),
    ),
  );
  for (const query of ['dashboard', 'dashboard-cached'] as const) {
    const target = rows.find((r) => r.query === query && r.rate === 1000);
    if (!target) continue;
    const met = target.rps >= 0.98 * 1000 && target.p99 < 200 && target.failed === 0 && target.dropped === 0;
    out.push('', `Target: ${LABEL[query]} at 1000 requests/s with p99 < 200 ms. Measured ${fmt(target.rps)} answered/s, p99 ${fmt(target.p99)} ms, ${target.dropped} dropped: ${met ? 'MET' : 'MISSED'}`);
  }
  out.push('', `Freshness: per route (write through -> read through), one analytics event ingested per signed-in user allowed to, inside its dashboard's range, then the dashboard read at once and again until it equals SQL recomputed after the write`);
  out.push(
    table(
      ['route', 'writes', 'stale answers', 'visible p50 ms', 'visible max ms', 'event on Redis p50 ms', 'event max ms'],
      freshnesses.map((f) => {
        const visible = [...f.visibleAfterMs].sort((a, b) => a - b);
        const event = [...f.eventAfterMs].sort((a, b) => a - b);
        return [f.path, String(f.writes), String(f.staleAnswers), fmt(quantile(visible, 0.5)), fmt(visible[visible.length - 1] ?? Number.NaN), fmt(quantile(event, 0.5)), fmt(event[event.length - 1] ?? Number.NaN)];
      }),
    ),
  );
  out.push('stale answers: dashboard answers read after the write was answered that did not show it (the first read starts at once); visible: write answered -> first answer equal to SQL; event: write answered -> its event seen on Redis by a subscriber of the benchmark (0 when it came first)');
  const failures = rows.filter((r) => r.failed > 0);
  if (failures.length > 0) out.push(`Failed requests: ${failures.map((r) => `${r.query} at ${r.rate}/s: ${r.failed} (first: ${r.firstFailure})`).join('; ')}`);
  out.push(`Results: ${resultPath}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch(async (error: unknown) => {
  progress(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  stopOpenLoop();
  await platform?.stop().catch(() => {});
  await redis?.stop().catch(() => {});
  process.exit(1);
});

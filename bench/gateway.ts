import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBenchEnv } from './env.js';
import { bodyDifference, checkGatewayResponse, loadWorkload, withRoutingUrls, type ResponseCheck, type SubgraphName } from './guild-federation/index.js';
import { startChild, type Child } from './lib/child.js';
import { closedLoop, quantile, stopLoad, type LoadResult } from './lib/load.js';
import { cpuMs, peakRssMiB, resetPeakRss } from './lib/proc.js';
import { summariseProfile } from './lib/profile.js';

// npm run bench:gateway — our gateway against its peers on the graphql-hive federation workload:
// the stock @apollo/gateway, Hive Gateway (JavaScript planner) and Hive Gateway with the Rust query
// planner (@graphql-hive/router-runtime), each in its own process over the same four subgraphs,
// closed loop, the measured time cut into slices whose order reverses every slice (ABCD DCBA) so
// all see the same machine. Progress goes to stderr; the figures come last, on stdout.

const env = loadBenchEnv();
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const RESULTS_DIR = here('./results');
type GatewayName = (typeof env.BENCH_GATEWAYS)[number];
const GATEWAYS = env.BENCH_GATEWAYS;
const LABEL: Record<GatewayName, string> = {
  stock: '@apollo/gateway (stock)',
  hive: 'Hive Gateway',
  'hive-rust': 'Hive Gateway + Rust planner',
  ours: '@organoise/gateway',
};
/** Each gateway's child-process entry and its config. */
const ENTRY: Record<GatewayName, { file: string; config: (supergraphSdl: string) => unknown }> = {
  stock: { file: 'stock', config: (supergraphSdl) => ({ supergraphSdl }) },
  hive: { file: 'hive', config: (supergraphSdl) => ({ supergraphSdl, rustPlanner: false }) },
  'hive-rust': { file: 'hive', config: (supergraphSdl) => ({ supergraphSdl, rustPlanner: true }) },
  ours: {
    file: 'ours',
    config: (supergraphSdl) => ({ supergraphSdl, workers: env.BENCH_OURS_WORKERS, leanHttp: env.BENCH_OURS_LEAN_HTTP, internalToken: env.BENCH_OURS_INTERNAL_TOKEN, deduplicateFetches: env.BENCH_OURS_DEDUPLICATE_FETCHES, compiledShaping: env.BENCH_OURS_COMPILED_SHAPING }),
  },
};

const progress = (message: string) => process.stderr.write(`[bench:gateway] ${message}\n`);
const children: Child<unknown>[] = [];
const stopAll = () => Promise.all(children.splice(0).map((child) => child.stop()));

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    progress(`${signal}: stopping`);
    stopLoad();
    void stopAll().finally(() => process.exit(130));
  });
}

interface Point {
  gateway: GatewayName;
  connections: number;
  latencies: number[];
  elapsedMs: number;
  gatewayCpuMs: number;
  subgraphsCpuMs: number;
  loadGeneratorCpuMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  peakRssMiB: number;
}

const emptyPoint = (gateway: GatewayName, connections: number): Point => ({
  gateway,
  connections,
  latencies: [],
  elapsedMs: 0,
  gatewayCpuMs: 0,
  subgraphsCpuMs: 0,
  loadGeneratorCpuMs: 0,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  mismatches: 0,
  peakRssMiB: 0,
});

/** Figures from wrong answers mean nothing: the first failed request stops the run. */
function addFailures(point: Point, run: LoadResult) {
  point.non2xx += run.non2xx;
  point.errors += run.errors;
  point.timeouts += run.timeouts;
  point.mismatches += run.mismatches;
  if (run.non2xx + run.errors + run.timeouts + run.mismatches > 0) {
    throw new Error(
      `${point.gateway} at ${point.connections} connection(s): ${run.non2xx} non-2xx, ${run.errors} errors, ${run.timeouts} timeouts, ` +
        `${run.mismatches} bodies other than expected.json${run.firstMismatch ? `; the first began ${JSON.stringify(run.firstMismatch)}` : ''}`,
    );
  }
}

async function main() {
  const workload = loadWorkload(env.BENCH_WORKLOAD_DIR);
  const verifyBody = (body: string) => bodyDifference(body, workload.expected) === null;
  const machine = {
    cpus: os.availableParallelism(),
    model: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  progress(`machine: ${JSON.stringify(machine)}`);

  const subgraphs = await startChild<{ workloadDir: string }, Record<SubgraphName, string>>(here('./guild-federation/serve.ts'), { workloadDir: env.BENCH_WORKLOAD_DIR });
  children.push(subgraphs);
  progress(`subgraphs on ${Object.values(subgraphs.info).join(' ')} (pid ${subgraphs.pid})`);
  const supergraphSdl = withRoutingUrls(workload.supergraphSdl, subgraphs.info);

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  // One profile per thread (tsx's module loader runs in its own): the main thread's is the largest.
  const profileDir = join(RESULTS_DIR, `ours-${stamp}.cpuprofiles`);
  const gateways = {} as Record<GatewayName, Child<{ url: string; pids?: number[] }>>;
  // Every process that serves a gateway: with workers, the primary and each worker.
  const pidsOf = (name: GatewayName) => gateways[name].info.pids ?? [gateways[name].pid];
  const sum = (name: GatewayName, read: (pid: number) => number) => pidsOf(name).reduce((total, pid) => total + read(pid), 0);
  for (const name of GATEWAYS) {
    const execArgv: string[] = [];
    if (name === 'ours' && env.BENCH_OURS_SEMI_SPACE_MB > 0) execArgv.push(`--max-semi-space-size=${env.BENCH_OURS_SEMI_SPACE_MB}`);
    if (name === 'ours' && env.BENCH_PROFILE) execArgv.push('--cpu-prof', '--cpu-prof-dir', profileDir);
    gateways[name] = await startChild(here(`./gateways/${ENTRY[name].file}.ts`), ENTRY[name].config(supergraphSdl), { execArgv });
    children.push(gateways[name]);
    progress(`${name} gateway on ${gateways[name].info.url} (pid ${pidsOf(name).join(' ')})`);
  }

  const checks = {} as Record<GatewayName, ResponseCheck>;
  for (const name of GATEWAYS) {
    checks[name] = await checkGatewayResponse(gateways[name].info.url, workload);
    progress(`${name}: response equals expected.json (${checks[name].bytes} bytes${checks[name].trailingNewline ? ', with a trailing newline' : ''})`);
  }

  const peakResets: boolean[] = [];
  const points: Point[] = [];
  const slices = Math.max(1, Math.round(env.BENCH_DURATION / env.BENCH_SLICE));
  const sliceSeconds = env.BENCH_DURATION / slices;
  for (const connections of env.BENCH_CONNECTIONS) {
    const current = {} as Record<GatewayName, Point>;
    for (const name of GATEWAYS) {
      current[name] = emptyPoint(name, connections);
      for (const pid of pidsOf(name)) peakResets.push(resetPeakRss(pid));
      if (env.BENCH_WARMUP > 0) {
        progress(`${name}: warm-up, ${connections} connection(s), ${env.BENCH_WARMUP} s`);
        addFailures(current[name], await closedLoop({ url: gateways[name].info.url, body: workload.body, connections, seconds: env.BENCH_WARMUP, verifyBody }));
      }
    }
    for (let slice = 0; slice < slices; slice++) {
      const order = slice % 2 === 0 ? GATEWAYS : [...GATEWAYS].reverse();
      for (const name of order) {
        if (interrupted) return;
        const point = current[name];
        const before = { gateway: sum(name, cpuMs), subgraphs: cpuMs(subgraphs.pid), self: process.cpuUsage() };
        const run = await closedLoop({ url: gateways[name].info.url, body: workload.body, connections, seconds: sliceSeconds, verifyBody });
        const self = process.cpuUsage(before.self);
        point.gatewayCpuMs += sum(name, cpuMs) - before.gateway;
        point.subgraphsCpuMs += cpuMs(subgraphs.pid) - before.subgraphs;
        point.loadGeneratorCpuMs += (self.user + self.system) / 1000;
        for (const latency of run.latencies) point.latencies.push(latency);
        point.elapsedMs += run.elapsedMs;
        addFailures(point, run);
        progress(`${name}: ${connections} connection(s), slice ${slice + 1}/${slices}: ${Math.round((run.latencies.length * 1000) / run.elapsedMs)} requests/s`);
      }
    }
    for (const name of GATEWAYS) {
      // With workers, the sum of each process's peak (an upper bound of their peak together).
      current[name].peakRssMiB = sum(name, peakRssMiB);
      points.push(current[name]);
    }
  }

  // The answers must still be right after the load.
  for (const name of GATEWAYS) await checkGatewayResponse(gateways[name].info.url, workload);

  await stopAll();
  const profilePath = env.BENCH_PROFILE
    ? readdirSync(profileDir)
        .map((name) => join(profileDir, name))
        .sort((a, b) => statSync(b).size - statSync(a).size)[0]
    : undefined;
  const profile = profilePath ? { path: profilePath, ...summariseProfile(profilePath) } : null;

  const rows = points.map((p) => {
    const sorted = [...p.latencies].sort((a, b) => a - b);
    const requests = sorted.length;
    return {
      gateway: p.gateway,
      connections: p.connections,
      requests,
      seconds: p.elapsedMs / 1000,
      rps: (requests * 1000) / p.elapsedMs,
      p50: quantile(sorted, 0.5),
      p95: quantile(sorted, 0.95),
      p99: quantile(sorted, 0.99),
      cpuMsPerRequest: p.gatewayCpuMs / requests,
      cpuCores: p.gatewayCpuMs / p.elapsedMs,
      subgraphsCpuMsPerRequest: p.subgraphsCpuMs / requests,
      loadGeneratorCpuCores: p.loadGeneratorCpuMs / p.elapsedMs,
      peakRssMiB: p.peakRssMiB,
      non2xx: p.non2xx,
      errors: p.errors,
      timeouts: p.timeouts,
      mismatches: p.mismatches,
    };
  });

  mkdirSync(RESULTS_DIR, { recursive: true });
  const resultPath = join(RESULTS_DIR, `gateway-${stamp}.json`);
  const settings = { gateways: GATEWAYS, duration: env.BENCH_DURATION, warmup: env.BENCH_WARMUP, slices, connections: env.BENCH_CONNECTIONS, profile: env.BENCH_PROFILE, oursSemiSpaceMB: env.BENCH_OURS_SEMI_SPACE_MB, oursWorkers: env.BENCH_OURS_WORKERS, oursLeanHttp: env.BENCH_OURS_LEAN_HTTP, oursInternalToken: env.BENCH_OURS_INTERNAL_TOKEN, oursDeduplicateFetches: env.BENCH_OURS_DEDUPLICATE_FETCHES, oursCompiledShaping: env.BENCH_OURS_COMPILED_SHAPING };
  const peakRssResettable = peakResets.every(Boolean);
  writeFileSync(resultPath, `${JSON.stringify({ date: new Date().toISOString(), machine, settings, checks, peakRssResettable, rows, profile }, null, 2)}\n`);

  const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
  const table = (header: string[], body: string[][]) => {
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
    return [line(header), `|${widths.map((w, i) => (i === 0 ? ':' : '-').padEnd(w + 1, '-') + (i === 0 ? '-' : ':')).join('|')}|`, ...body.map(line)].join('\n');
  };
  const out: string[] = [];
  if (profile) {
    out.push(`Profile of our gateway (${fmt(profile.totalMs / 1000)} s of CPU, self time; ${profile.path}):`);
    out.push(table(['package', 'self ms', 'share'], profile.packages.slice(0, 10).map((h) => [h.name, fmt(h.selfMs, 0), `${fmt(h.share * 100)}%`])));
    out.push(table(['function', 'self ms', 'share'], profile.functions.map((h) => [h.name, fmt(h.selfMs, 0), `${fmt(h.share * 100)}%`])));
    out.push('(profiling slows our gateway: take the figures from a run without BENCH_PROFILE)', '');
  }
  out.push(`Gateway throughput, graphql-hive federation workload: ${env.BENCH_DURATION} s per point in ${slices} alternating slices, ${env.BENCH_WARMUP} s warm-up; ours with ${env.BENCH_OURS_WORKERS} process(es), lean HTTP path ${env.BENCH_OURS_LEAN_HTTP ? 'on' : 'off'}, internal tokens ${env.BENCH_OURS_INTERNAL_TOKEN ? 'signed' : 'off'}, identical fetches in flight ${env.BENCH_OURS_DEDUPLICATE_FETCHES ? 'sent once' : 'each sent'}, shaping ${env.BENCH_OURS_COMPILED_SHAPING ? 'compiled' : "Apollo's"}, ${env.BENCH_OURS_SEMI_SPACE_MB > 0 ? `--max-semi-space-size=${env.BENCH_OURS_SEMI_SPACE_MB}` : "Node's default semi-space"}`);
  out.push(`${machine.cpus} CPUs (${machine.model}), ${machine.memoryGiB} GiB, node ${machine.node}, load average at start ${machine.loadAverageAtStart.join(' ')}`);
  out.push(
    table(
      ['gateway', 'conns', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'CPU ms/req', 'CPU cores', 'peak RSS MiB', 'failed'],
      rows.map((r) => [LABEL[r.gateway], String(r.connections), fmt(r.rps), fmt(r.p50), fmt(r.p95), fmt(r.p99), fmt(r.cpuMsPerRequest, 2), fmt(r.cpuCores, 2), fmt(r.peakRssMiB, 0), String(r.non2xx + r.errors + r.timeouts + r.mismatches)]),
    ),
  );
  out.push('');
  const row = (gateway: GatewayName, connections: number) => rows.find((r) => r.gateway === gateway && r.connections === connections);
  const ratioTable = (base: GatewayName, only?: GatewayName) => {
    const body: string[][] = [];
    for (const connections of env.BENCH_CONNECTIONS) {
      const b = row(base, connections);
      if (!b) continue;
      for (const name of GATEWAYS) {
        const r = row(name, connections);
        if (name === base || !r || (only && name !== only)) continue;
        body.push([
          `${LABEL[name]} / ${LABEL[base]}`,
          String(connections),
          `${fmt(r.rps / b.rps, 2)}x`,
          `${fmt(r.p50 / b.p50, 2)}x`,
          `${fmt(r.p95 / b.p95, 2)}x`,
          `${fmt(r.p99 / b.p99, 2)}x`,
          `${fmt(r.cpuMsPerRequest / b.cpuMsPerRequest, 2)}x`,
          `${fmt(r.peakRssMiB / b.peakRssMiB, 2)}x`,
        ]);
      }
    }
    return table(['ratio', 'conns', 'req/s', 'p50', 'p95', 'p99', 'CPU/req', 'peak RSS'], body);
  };
  if (GATEWAYS.includes('stock')) {
    out.push('Against the stock gateway (req/s: higher is better; the rest: lower is better)');
    out.push(ratioTable('stock'), '');
  }
  const fastestPeer = GATEWAYS.includes('hive-rust') ? 'hive-rust' : GATEWAYS.includes('hive') ? 'hive' : null;
  if (fastestPeer && GATEWAYS.includes('ours')) {
    out.push(`Against ${LABEL[fastestPeer]}`);
    out.push(ratioTable(fastestPeer, 'ours'), '');
  }
  out.push(
    `Beside the gateways: the subgraphs used ${env.BENCH_CONNECTIONS.map((connections) => GATEWAYS.map((name) => `${name} ${fmt(row(name, connections)!.subgraphsCpuMsPerRequest, 2)}`).join(', ') + ` ms at ${connections} connection(s)`).join('; ')} of CPU per request, the load generator at most ${fmt(Math.max(...rows.map((r) => r.loadGeneratorCpuCores)), 2)} cores`,
  );
  const ours50 = row('ours', 50);
  const stock50 = row('stock', 50);
  if (ours50 && stock50) {
    const rpsRatio = ours50.rps / stock50.rps;
    const met = rpsRatio >= 4 && ours50.p95 < 200;
    out.push('');
    out.push(`Target at 50 connections: >= 4x stock req/s and p95 < 200 ms. Measured ${fmt(rpsRatio, 2)}x and p95 ${fmt(ours50.p95)} ms: ${met ? 'MET' : 'MISSED'}`);
  }
  const peer50 = fastestPeer ? row(fastestPeer, 50) : undefined;
  if (ours50 && peer50) {
    // Per core: requests per CPU-second of the gateway's own processes, whatever their number.
    const perCore = peer50.cpuMsPerRequest / ours50.cpuMsPerRequest;
    out.push(
      `Target at 50 connections: per core ahead of ${LABEL[fastestPeer!]} (CPU ms per request ${fmt(ours50.cpuMsPerRequest, 2)} against ${fmt(peer50.cpuMsPerRequest, 2)}): ${fmt(perCore, 2)}x, ${perCore > 1 ? 'MET' : 'MISSED'}` +
        (env.BENCH_OURS_WORKERS > 1 ? ` (ours ran ${env.BENCH_OURS_WORKERS} processes: the one-process comparison is BENCH_OURS_WORKERS=1)` : ''),
    );
  }
  out.push(`Results: ${resultPath}${peakRssResettable ? '' : ' (peak RSS could not be reset per point: it is the peak since start)'}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch(async (error: unknown) => {
  progress(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  stopLoad();
  await stopAll();
  process.exit(1);
});

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '@organoise/core';
import postgres from 'postgres';
import type { ClientsConfig, ClientsReport } from './fanout/clients.js';
import { loadFanoutEnv } from './fanout/env.js';
import type { GatewayConfig } from './fanout/gateway.js';
import type { WindowReport } from './fanout/probe.js';
import type { ServicesConfig, ServicesInfo } from './fanout/services.js';
import { startChild, type Child } from './lib/child.js';
import { quantile } from './lib/load.js';
import { cpuMs, machineCpuMs } from './lib/proc.js';
import { summariseProfile } from './lib/profile.js';

// npm run bench:fanout — subscription fan-out. BENCH_CLIENTS graphql-ws sockets (one distinct
// user each, spread over BENCH_ORGS organizations with a realistic mix of roles) each watch their
// organization's workflow runs, with the run's `startedBy { name }` hydrated from the user
// subgraph; a publisher starts runs at a steady rate (deliveries/s = clients x events per org per
// second). Side by side in the same run: the same clients straight on the workflow subgraph's
// graphql-ws endpoint (the baseline: no gateway, no hydration). Progress goes to stderr; the figures
// come last, on stdout.

const env = loadFanoutEnv();
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const RESULTS_DIR = here('./results');
const progress = (message: string) => process.stderr.write(`[bench:fanout] ${new Date().toISOString().slice(11, 19)} ${message}\n`);
const children: Child<unknown>[] = [];
const stopAll = () => Promise.all(children.splice(0).reverse().map((child) => child.stop()));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let dropDatabase: (() => Promise<void>) | undefined;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping`);
    void stopAll()
      .then(() => dropDatabase?.())
      .finally(() => process.exit(130));
  });
}

const SECRET = `fanout-${randomBytes(16).toString('hex')}`;
const ISSUER = 'organoise-bench-fanout';

function statusKiB(pid: number, field: 'VmRSS'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : Number.NaN;
}

/** Heap and RSS after a full GC, asked of a child started with --expose-gc (see fanout/gateway.ts). */
async function memoryOf(child: Child<unknown>, snapshot?: string): Promise<{ rss: number; heapUsed: number }> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string; rss: number; heapUsed: number }) => {
      if (message.type !== 'memory') return;
      child.process.off('message', onMessage);
      resolve({ rss: message.rss, heapUsed: message.heapUsed });
    };
    child.process.on('message', onMessage);
    child.process.send({ type: 'memory', ...(snapshot ? { snapshot } : {}) });
  });
}

function ask<T>(child: Child<unknown>, request: Record<string, unknown>): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string }) => {
      if (message.type !== request.type) return;
      child.process.off('message', onMessage);
      resolve(message as T);
    };
    child.process.on('message', onMessage);
    child.process.send(request);
  });
}

interface Phase {
  mode: 'direct' | 'gateway';
  clients: number;
  connectSeconds: number;
  published: number;
  publishFailures: number;
  publishSeconds: number;
  deliveriesPerSecond: number;
  expected: number;
  latencies: number[];
  lost: number;
  duplicates: number;
  wrong: number;
  errors: number;
  closed: number;
  firstProblem: string | null;
  /** The serving process: the gateway, or (baseline) the subgraphs' process. */
  servingCpuCores: number;
  subgraphsCpuCores: number;
  clientsCpuCores: number;
  /** The whole machine's CPUs busy over the window (every process, not only ours), in cores. */
  machineCpuCores: number;
  memory: { rssBeforeMiB: number; rssAfterMiB: number; heapBeforeMiB: number; heapAfterMiB: number; kibPerConnectionRss: number; kibPerConnectionHeap: number };
  /** What each process measured of itself during the window (fanout/probe.ts): loop delay, the gateway's stages, the clients' bursts. */
  window: { gateway: WindowReport | null; services: WindowReport; clients: WindowReport[] };
}

const runStamp = new Date().toISOString().replace(/[:.]/g, '-');

async function main() {
  const machine = {
    cpus: os.availableParallelism(),
    model: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
  progress(`machine: ${JSON.stringify(machine)}`);
  const membersPerOrganization = Math.floor(env.BENCH_CLIENTS / env.BENCH_ORGS);
  const clientCount = membersPerOrganization * env.BENCH_ORGS;

  const dbName = `organoise_fanout_${randomBytes(6).toString('hex')}`;
  const admin = postgres(env.BENCH_POSTGRES_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${dbName}"`);
  await admin.end();
  dropDatabase = async () => {
    const dropper = postgres(env.BENCH_POSTGRES_URL, { max: 1, onnotice: () => {} });
    await dropper.unsafe(`drop database if exists "${dbName}" with (force)`);
    await dropper.end();
  };
  const databaseUrl = new URL(env.BENCH_POSTGRES_URL);
  databaseUrl.pathname = `/${dbName}`;

  const redisUrl = env.BENCH_REDIS_URL || undefined;
  progress(`starting the subgraphs on Postgres (${dbName}), pub/sub ${redisUrl ? `through Redis ${redisUrl}` : 'in process'}; seeding ${env.BENCH_ORGS} organizations x ${membersPerOrganization} members`);
  const services = await startChild<ServicesConfig, ServicesInfo>(
    here('./fanout/services.ts'),
    { databaseUrl: databaseUrl.toString(), redisUrl, internalTokenSecret: SECRET, issuer: ISSUER, organizations: env.BENCH_ORGS, membersPerOrganization },
    { readyTimeoutMs: 600_000 },
  );
  children.push(services);
  const { organizations, members, urls } = services.info;
  progress(`subgraphs ready (pid ${services.pid}): ${members.length} members with tokens`);

  const gateway = await startChild<GatewayConfig, { url: string }>(here('./fanout/gateway.ts'), { subgraphUrls: urls, internalTokenSecret: SECRET, issuer: ISSUER, authRecheckMs: env.BENCH_AUTH_RECHECK_MS, redisUrl }, { execArgv: ['--expose-gc'], readyTimeoutMs: 300_000 });
  children.push(gateway);
  progress(`gateway on ${gateway.info.url} (pid ${gateway.pid})`);

  const owners = Object.fromEntries(organizations.map((o) => [o.id, { id: o.ownerId, name: o.ownerName }]));
  const ownerTokens = new Map<string, { token: string; at: number }>();
  const ownerToken = async (orgIndex: number) => {
    const org = organizations[orgIndex]!;
    const cached = ownerTokens.get(org.id);
    if (cached && Date.now() - cached.at < 30_000) return cached.token;
    const token = await signInternalToken(SECRET, 'workflow', org.owner);
    ownerTokens.set(org.id, { token, at: Date.now() });
    return token;
  };
  /** Starts one run as the organization's owner, straight on the workflow subgraph; its run id. */
  const startRun = async (orgIndex: number): Promise<string> => {
    const org = organizations[orgIndex]!;
    const response = await fetch(urls.workflow, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: await ownerToken(orgIndex) },
      body: JSON.stringify({ query: 'mutation($i: StartWorkflowRunInput!) { startWorkflowRun(input: $i) { id } }', variables: { i: { definitionId: org.definitionId } } }),
    });
    const body = (await response.json()) as { data?: { startWorkflowRun: { id: string } }; errors?: unknown };
    if (!body.data) throw new Error(`startWorkflowRun failed: ${JSON.stringify(body.errors)}`);
    return body.data.startWorkflowRun.id;
  };

  const phases: Phase[] = [];
  for (const mode of env.BENCH_PHASES) {
    const serving = mode === 'gateway' ? gateway : services;
    const readMemory = async (moment: 'before' | 'after') => {
      if (mode === 'gateway') return memoryOf(gateway, env.BENCH_HEAP_SNAPSHOT_DIR ? join(env.BENCH_HEAP_SNAPSHOT_DIR, `gateway-${moment}.heapsnapshot`) : undefined);
      // The subgraphs' process has no gc hook: its RSS only.
      return { rss: statusKiB(services.pid, 'VmRSS') * 1024, heapUsed: Number.NaN };
    };
    const before = await readMemory('before');
    const url = mode === 'gateway' ? gateway.info.url : urls.workflow;
    progress(`${mode}: opening ${clientCount} sockets over ${env.BENCH_CLIENT_PROCESSES} client processes to ${url}`);
    const connectStart = Date.now();
    const workers: Child<{ clients: number }>[] = [];
    const share = Math.ceil(clientCount / env.BENCH_CLIENT_PROCESSES);
    await Promise.all(
      Array.from({ length: env.BENCH_CLIENT_PROCESSES }, async (_, w) => {
        const slice = env.BENCH_CLIENT_LAYOUT === 'blocks' ? members.slice(w * share, (w + 1) * share) : members.filter((_, i) => i % env.BENCH_CLIENT_PROCESSES === w);
        if (slice.length === 0) return;
        const config: ClientsConfig = {
          mode,
          impl: env.BENCH_CLIENT_IMPL,
          url,
          internalTokenSecret: SECRET,
          owners,
          clients: slice.map((m) => ({ organizationId: m.organizationId, accessToken: m.accessToken, viewer: m.viewer })),
        };
        const worker = await startChild<ClientsConfig, { clients: number }>(here('./fanout/clients.ts'), config, { readyTimeoutMs: 900_000 });
        workers.push(worker);
        children.push(worker);
      }),
    );
    const connectSeconds = (Date.now() - connectStart) / 1000;
    progress(`${mode}: ${clientCount} sockets connected in ${connectSeconds.toFixed(1)} s`);

    // Warm-up: one run per organization; every socket must see it before the measurement starts
    // (graphql-ws does not acknowledge a subscribe, and the upstream subscriptions open lazily).
    const progressOf = async (measuredRuns?: Record<string, string[]>) => {
      const answers = await Promise.all(
        workers.map((w) => ask<{ withEvents: number; received: number; measured: number; failures: number; firstProblem: string | null }>(w, { type: 'progress', ...(measuredRuns ? { runs: measuredRuns } : {}) })),
      );
      const failures = answers.reduce((n, a) => n + a.failures, 0);
      // Figures from wrong answers mean nothing: the first failed subscription stops the run.
      if (failures > 0) throw new Error(`${mode}: ${failures} subscription(s) failed; the first: ${answers.find((a) => a.firstProblem)?.firstProblem}`);
      return answers.reduce((sum, a) => ({ withEvents: sum.withEvents + a.withEvents, received: sum.received + a.received, measured: sum.measured + a.measured }), { withEvents: 0, received: 0, measured: 0 });
    };
    const warmDeadline = Date.now() + 120_000;
    for (let round = 0; ; round++) {
      await Promise.all(organizations.map((_, o) => startRun(o)));
      await sleep(2000);
      const seen = await progressOf();
      progress(`${mode}: warm-up round ${round + 1}: ${seen.withEvents}/${clientCount} sockets have had an event`);
      if (seen.withEvents >= clientCount) break;
      if (Date.now() > warmDeadline) throw new Error(`${mode}: only ${seen.withEvents} of ${clientCount} subscriptions delivered within the warm-up`);
    }
    const after = await readMemory('after');
    // Printed at once: memory does not depend on the load, and a run that fails later still says it.
    progress(`${mode}: memory per connection after warm-up: ${((after.heapUsed - before.heapUsed) / 1024 / clientCount).toFixed(1)} KiB heap, ${((after.rss - before.rss) / 1024 / clientCount).toFixed(1)} KiB RSS`);
    await sleep(500);

    // The measurement: runs started on a fixed schedule (round robin over the organizations),
    // never waiting for the previous one, so a slow consumer cannot slow the publisher down.
    const eventsPerSecond = env.BENCH_EVENTS_PER_ORG_PER_SECOND * organizations.length;
    const total = Math.max(organizations.length, Math.round(eventsPerSecond * env.BENCH_SECONDS));
    const runs: Record<string, string[]> = Object.fromEntries(organizations.map((o) => [o.id, []]));
    let publishFailures = 0;
    // Each process measures itself over the window (fanout/probe.ts); BENCH_PROFILE: a CPU profile
    // of the window in the gateway (or, for the baseline, nowhere: it has no gateway), the
    // subgraphs and the first client process.
    const profileDir = join(RESULTS_DIR, `fanout-${runStamp}.cpuprofiles`);
    if (env.BENCH_PROFILE) mkdirSync(profileDir, { recursive: true });
    const probed = [...(mode === 'gateway' ? [{ name: 'gateway', child: gateway as Child<unknown> }] : []), { name: 'subgraphs', child: services as Child<unknown> }, ...workers.map((w, i) => ({ name: `clients-${i}`, child: w as Child<unknown> }))];
    const profilePath = (name: string) => (env.BENCH_PROFILE && (name === 'gateway' || name === 'subgraphs' || name === 'clients-0') ? join(profileDir, `${mode}-${name}.cpuprofile`) : null);
    for (const { name, child } of probed) child.process.send({ type: 'window-start', profile: profilePath(name) });
    const cpu = { serving: cpuMs(serving.pid), subgraphs: cpuMs(services.pid), clients: workers.reduce((n, w) => n + cpuMs(w.pid), 0), machine: machineCpuMs() };
    const publishStart = Date.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = publishStart + (i * 1000) / eventsPerSecond;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      const o = i % organizations.length;
      pending.push(
        startRun(o).then(
          (runId) => void runs[organizations[o]!.id]!.push(runId),
          (error: unknown) => {
            publishFailures++;
            progress(`publish failed: ${error instanceof Error ? error.message : String(error)}`);
          },
        ),
      );
    }
    await Promise.all(pending);
    const publishSeconds = (Date.now() - publishStart) / 1000;
    const expected = organizations.reduce((n, o) => n + runs[o.id]!.length * membersPerOrganization, 0);
    // Drain: wait until every delivery of a measured run arrived (or 15 s without progress: what is
    // still missing then counts as lost). Counted per measured run: warm-up events still arriving
    // are not measured deliveries (counted as such, they ended a slow run's drain early, 2026-12-06).
    let last = -1;
    let stalledSince = Date.now();
    for (;;) {
      const received = (await progressOf(runs)).measured;
      if (received >= expected) break;
      if (received !== last) {
        last = received;
        stalledSince = Date.now();
      } else if (Date.now() - stalledSince > 15_000) break;
      await sleep(250);
    }
    const elapsedMs = Date.now() - publishStart;
    const servingCpu = cpuMs(serving.pid) - cpu.serving;
    const subgraphsCpu = cpuMs(services.pid) - cpu.subgraphs;
    const clientsCpu = workers.reduce((n, w) => n + cpuMs(w.pid), 0) - cpu.clients;
    const machineNow = machineCpuMs();
    // Everything on the box over the window (Postgres, Redis, this parent and anything else too), in cores busy.
    const machineCpuCores = ((machineNow.busy - cpu.machine.busy) / (machineNow.total - cpu.machine.total)) * machine.cpus;

    const windows = await Promise.all(probed.map(({ name, child }) => ask<WindowReport>(child, { type: 'window-stop', profile: profilePath(name) }).then((report) => [name, report] as const)));
    const windowOf = (name: string) => windows.find(([n]) => n === name)?.[1];

    const reports = await Promise.all(workers.map((w) => ask<{ report: ClientsReport }>(w, { type: 'report', runs })));
    const latencies = reports.flatMap((r) => r.report.latencies).sort((a, b) => a - b);
    const sum = (pick: (r: ClientsReport) => number) => reports.reduce((n, r) => n + pick(r.report), 0);
    const phase: Phase = {
      mode,
      clients: clientCount,
      connectSeconds,
      published: total - publishFailures,
      publishFailures,
      publishSeconds,
      deliveriesPerSecond: latencies.length / publishSeconds,
      expected,
      latencies,
      lost: sum((r) => r.lost),
      duplicates: sum((r) => r.duplicates),
      wrong: sum((r) => r.wrong),
      errors: sum((r) => r.errors),
      closed: sum((r) => r.closed),
      firstProblem: reports.map((r) => r.report.firstProblem).find((p) => p !== null) ?? null,
      servingCpuCores: servingCpu / elapsedMs,
      subgraphsCpuCores: subgraphsCpu / elapsedMs,
      clientsCpuCores: clientsCpu / elapsedMs,
      machineCpuCores,
      memory: {
        rssBeforeMiB: before.rss / 2 ** 20,
        rssAfterMiB: after.rss / 2 ** 20,
        heapBeforeMiB: before.heapUsed / 2 ** 20,
        heapAfterMiB: after.heapUsed / 2 ** 20,
        kibPerConnectionRss: (after.rss - before.rss) / 1024 / clientCount,
        kibPerConnectionHeap: (after.heapUsed - before.heapUsed) / 1024 / clientCount,
      },
      window: { gateway: windowOf('gateway') ?? null, services: windowOf('subgraphs')!, clients: workers.map((_, i) => windowOf(`clients-${i}`)!) },
    };
    phases.push(phase);
    progress(
      `${mode}: ${phase.published} runs, ${latencies.length}/${expected} deliveries, p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms, lost ${phase.lost}, wrong ${phase.wrong}`,
    );
    for (const worker of workers) {
      children.splice(children.indexOf(worker), 1);
      await worker.stop();
    }
    // Let the serving side close the sockets' subscriptions before the next phase measures memory.
    await sleep(2000);
  }

  await stopAll();
  await dropDatabase();
  dropDatabase = undefined;

  const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
  const table = (header: string[], body: string[][]) => {
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
    return [line(header), `|${widths.map((w, i) => (i === 0 ? ':' : '-').padEnd(w + 1, '-') + (i === 0 ? '-' : ':')).join('|')}|`, ...body.map(line)].join('\n');
  };
  const rows = phases.map((p) => ({
    ...p,
    latencies: undefined,
    deliveries: p.latencies.length,
    p50: quantile(p.latencies, 0.5),
    p99: quantile(p.latencies, 0.99),
    max: p.latencies.at(-1) ?? Number.NaN,
  }));
  mkdirSync(RESULTS_DIR, { recursive: true });
  const resultPath = join(RESULTS_DIR, `fanout-${runStamp}.json`);
  const settings = { ...env, BENCH_POSTGRES_URL: undefined, membersPerOrganization };
  writeFileSync(resultPath, `${JSON.stringify({ date: new Date().toISOString(), machine, settings, rows }, null, 2)}\n`);

  const LABEL = { direct: 'workflow subgraph direct (baseline)', gateway: '@organoise/gateway' } as const;
  const out: string[] = [];
  out.push(
    `Subscription fan-out: ${clientCount} graphql-ws sockets (distinct users, ${env.BENCH_ORGS} organizations x ${membersPerOrganization}, roles 5% ADMIN / 60% MEMBER / 35% VIEWER), ` +
      `${env.BENCH_EVENTS_PER_ORG_PER_SECOND} run(s) started per organization per second for ${env.BENCH_SECONDS} s; pub/sub ${redisUrl ? 'Redis' : 'in process'}, Postgres; ${env.BENCH_CLIENT_PROCESSES} client processes (${env.BENCH_CLIENT_LAYOUT}, ${env.BENCH_CLIENT_IMPL} clients); ` +
      `gateway credential re-checks: ${redisUrl ? 'on the user subgraph\'s credential events, every socket swept every 30 s (its default) while they flow, else ' : ''}every ${env.BENCH_AUTH_RECHECK_MS > 0 ? `${env.BENCH_AUTH_RECHECK_MS} ms` : '2000 ms (its default)'}`,
  );
  out.push(`${machine.cpus} CPUs (${machine.model}), ${machine.memoryGiB} GiB, node ${machine.node}, load average at start ${machine.loadAverageAtStart.join(' ')}`);
  out.push(
    table(
      ['served by', 'deliveries/s', 'p50 ms', 'p99 ms', 'max ms', 'lost', 'wrong', 'closed', 'CPU cores', 'CPU µs/delivery', 'subgraphs CPU', 'clients CPU', 'machine busy', 'KiB/conn heap', 'KiB/conn RSS', 'connect s'],
      rows.map((r) => [
        LABEL[r.mode],
        fmt(r.deliveriesPerSecond, 0),
        fmt(r.p50),
        fmt(r.p99),
        fmt(r.max),
        String(r.lost),
        String(r.wrong + r.errors + r.duplicates),
        String(r.closed),
        fmt(r.servingCpuCores, 2),
        fmt((r.servingCpuCores * 1e6) / r.deliveriesPerSecond, 0),
        fmt(r.subgraphsCpuCores, 2),
        fmt(r.clientsCpuCores, 2),
        `${fmt(r.machineCpuCores, 2)}/${machine.cpus}`,
        fmt(r.memory.kibPerConnectionHeap),
        fmt(r.memory.kibPerConnectionRss),
        fmt(r.connectSeconds),
      ]),
    ),
  );
  const base = rows.find((r) => r.mode === 'direct');
  const ours = rows.find((r) => r.mode === 'gateway');
  if (base && ours) {
    out.push('', 'gateway / baseline (lower is better; the gateway also hydrates startedBy.name from the user subgraph)');
    out.push(
      table(
        ['p50', 'p99', 'CPU per delivery, serving process', 'RSS per connection'],
        [[`${fmt(ours.p50 / base.p50, 2)}x`, `${fmt(ours.p99 / base.p99, 2)}x`, `${fmt(ours.servingCpuCores / ours.deliveriesPerSecond / (base.servingCpuCores / base.deliveriesPerSecond), 2)}x`, `${fmt(ours.memory.kibPerConnectionRss / base.memory.kibPerConnectionRss, 2)}x`]],
      ),
    );
  }
  if (ours) {
    const rate = ours.deliveriesPerSecond;
    const met = ours.p99 < 100 && ours.lost === 0 && ours.memory.kibPerConnectionRss < 25 && clientCount >= 10_000 && rate >= 9_500;
    out.push(
      '',
      `Target (issue 16): p99 < 100 ms at 10,000 deliveries/s over 10,000 sockets, 0 lost, < 25 KiB RSS per connection. Measured at ${clientCount} sockets, ${fmt(rate, 0)} deliveries/s: ` +
        `p99 ${fmt(ours.p99)} ms, ${ours.lost} lost, ${fmt(ours.memory.kibPerConnectionRss)} KiB RSS (${fmt(ours.memory.kibPerConnectionHeap)} KiB heap) per connection: ${met ? 'MET' : 'MISSED'}`,
    );
  }
  for (const p of phases) {
    const w = p.window;
    const stageRows: string[][] = [];
    type Spread = { n: number; p50: number; p90: number; p99: number; max: number };
    const row = (label: string, v: Spread | undefined) => v && stageRows.push([label, String(v.n), fmt(v.p50), fmt(v.p90), fmt(v.p99), fmt(v.max)]);
    const g = w.gateway?.extra as Record<string, Spread> | undefined;
    if (g) {
      row('gateway: `at` -> event from the subgraph', g.upstream);
      row('gateway: wait in the topic queue', g.queued);
      row('gateway: hydration (entity fetch)', g.hydration);
      row('gateway: hand-over to listeners', g.push);
      row('gateway: serialise + write to sockets', g.writes);
      row('gateway: `at` -> last socket written', g.sent);
      row('gateway: listeners per topic event', g.listeners);
    }
    w.clients.forEach((c, i) => {
      const e = c.extra as { firstArrival: Spread; burstSpread: Spread };
      row(`clients-${i}: \`at\` -> first arrival of a run`, e.firstArrival);
      row(`clients-${i}: first -> last arrival of a run`, e.burstSpread);
    });
    out.push('', `${LABEL[p.mode]}: per stage over the measured window (ms; n = events, or runs for the clients)`);
    out.push(table(['stage', 'n', 'p50', 'p90', 'p99', 'max'], stageRows));
    const loops = [...(w.gateway ? [['gateway', w.gateway] as const] : []), ['subgraphs', w.services] as const, ...w.clients.map((c, i) => [`clients-${i}`, c] as const)];
    out.push('', 'event loop delay over the window (ms; monitorEventLoopDelay, 5 ms resolution)');
    out.push(table(['process', 'p50', 'p99', 'max'], loops.map(([name, r]) => [name, fmt(r.loopDelayMs.p50), fmt(r.loopDelayMs.p99), fmt(r.loopDelayMs.max)])));
    // A stall with little CPU of the process's own was time without a core; one full of CPU, its own work (GC a part of it).
    out.push('', 'event loop stalls over 50 ms in the window (a 10 ms timer; own CPU and GC pauses during them; longest three as stall/CPU/GC ms)');
    out.push(
      table(
        ['process', 'stalls', 'total ms', 'max ms', 'own CPU ms', 'GC ms', 'longest'],
        loops.map(([name, r]) => [name, String(r.stalls.count), fmt(r.stalls.totalMs, 0), fmt(r.stalls.maxMs, 0), fmt(r.stalls.cpuMs, 0), fmt(r.stalls.gcMs, 0), r.stalls.longest.map((l) => l.map((v) => v.toFixed(0)).join('/')).join(', ')]),
      ),
    );
    for (const [name, r] of loops) {
      if (!r.profile) continue;
      const summary = summariseProfile(r.profile, 15);
      out.push('', `${p.mode} ${name}: CPU profile of the window, ${fmt(summary.totalMs, 0)} ms busy (${r.profile})`);
      out.push(table(['package', 'self ms', 'share'], summary.packages.slice(0, 8).map((h) => [h.name, fmt(h.selfMs, 0), `${fmt(h.share * 100)}%`])));
      out.push(table(['function', 'self ms', 'share'], summary.functions.map((h) => [h.name, fmt(h.selfMs, 0), `${fmt(h.share * 100)}%`])));
    }
  }
  if (env.BENCH_PROFILE) out.push('', '(profiling slows every process: take latency figures from a run without BENCH_PROFILE)');
  out.push(`Results: ${resultPath}`);
  process.stdout.write(`${out.join('\n')}\n`);
  // A wrong answer anywhere, or an event the gateway lost, fails the run; the baseline losing
  // deliveries (arriving after the 15 s drain) is one of its figures.
  const failed = phases.some((p) => p.wrong + p.errors + p.duplicates > 0 || p.publishFailures > 0 || (p.mode === 'gateway' && p.lost > 0));
  if (failed) {
    progress(`wrong answers or lost events; the first problem: ${phases.map((p) => p.firstProblem).find(Boolean) ?? '(none recorded)'}`);
    process.exitCode = 1;
  }
}

main().catch(async (error: unknown) => {
  progress(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await stopAll();
  await dropDatabase?.();
  process.exit(1);
});

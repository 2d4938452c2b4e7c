import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, SUBGRAPH_NAMES, subgraphUrlSetting, type SubgraphName } from '@organoise/core';
import postgres from 'postgres';

// The one-box multi-replica deployment (`npm run onebox`, e2e/rolling-restart.e2e.ts): every
// service as its own process, as production runs them, with a load balancer in front of each:
//
//   clients ─▶ haproxy :public ─▶ gateway-1, gateway-2            (health: /readyz, websockets)
//              gateways ─▶ haproxy :<one port per subgraph> ─▶ <subgraph>-1, <subgraph>-2
//   every process ─▶ one Postgres database (a schema per subgraph), one Redis
//
// A gateway knows each subgraph by one address (a Kubernetes Service's, here haproxy's), never
// its replicas. docs/operations.md ("Scaling out") describes the drill and its figures.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GATEWAY_MAIN = join(ROOT, 'gateway/src/main.ts');
const subgraphMain = (name: SubgraphName) => join(ROOT, `subgraphs/${name}/src/main.ts`);

export type OneboxService = 'gateway' | SubgraphName;

export interface OneboxOptions {
  /** What every process inherits (PATH and the like); its own settings go on top. */
  baseEnv: Record<string, string | undefined>;
  /** A Postgres server where a fresh database is created (and dropped by stop), unless `databaseUrl` is given. */
  postgresUrl: string;
  /** An existing database to run on instead (kept by stop). */
  databaseUrl?: string | undefined;
  redisUrl: string;
  /** The public port (haproxy in front of the gateways); 0 = a free one. */
  port?: number;
  host?: string;
  /** Replicas of every service (2). */
  replicas?: number;
  /** haproxy's binary (Debian's package: `apt-get install haproxy`). */
  haproxy?: string;
  internalTokenSecret?: string;
  /** How long a process keeps serving with its readiness failed before it closes (SHUTDOWN_DELAY_MS); above haproxy's detection time (2 checks, 500 ms apart). */
  shutdownDelayMs?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Further settings of every gateway or every subgraph (rate limits, WEB=false...). */
  gatewayEnv?: Record<string, string>;
  subgraphEnv?: Record<string, string>;
  /** Where the processes' own output goes ('inherit': this terminal; 'ignore'). */
  stdio?: 'inherit' | 'ignore';
  /** How long a process may take to become ready (busy machines: minutes). */
  readyTimeoutMs?: number;
  /**
   * haproxy retries a request a server refused or closed unanswered on the other one (true, the
   * default: defense in depth). false: only a subgraph's 503 (a draining replica's /readyz, asked
   * through haproxy by a gateway's /readyz) is retried, so a rolling restart shows whether the
   * processes' own draining keeps every request answered (e2e/rolling-restart.e2e.ts).
   */
  balancerRetries?: boolean;
}

export interface BalancerCounts {
  retries: number;
  redispatches: number;
  responses5xx: number;
}

export interface OneboxProcess {
  /** `gateway-1`, `user-2`: also its server name in haproxy. */
  name: string;
  service: OneboxService;
  port: number;
  pid(): number | undefined;
  running(): boolean;
  /** SIGTERM (the process drains and closes), waits for it to exit, starts it again on the same port and waits until haproxy sends it traffic. */
  restart(): Promise<{ exitCode: number | null; signal: string | null; stoppedMs: number; backMs: number }>;
}

export interface Onebox {
  /** The public GraphQL endpoint (haproxy). */
  url: string;
  /** haproxy's statistics page (`;csv` for machines). */
  statsUrl: string;
  /** Each subgraph's address as the gateways see it (its haproxy frontend). */
  serviceUrls: Record<SubgraphName, string>;
  databaseUrl: string;
  processes: OneboxProcess[];
  /** Every haproxy server's state (`UP`, `DOWN`, `UP 1/2`...), by `<backend>/<server>`. */
  serverStates(): Promise<Record<string, string>>;
  /** haproxy's own counts since it started, by backend (`gateway`, `user`...): requests it retried (`wretr`) or sent to another server (`wredis`), and 5xx answers it passed on or made. */
  balancerCounts(): Promise<Record<string, BalancerCounts>>;
  /** Resolves once haproxy sees every server UP. */
  waitAllUp(timeoutMs?: number): Promise<void>;
  /** Processes that exited when nobody asked them to (name, code). */
  unexpectedExits: { name: string; code: number | null; signal: string | null }[];
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function poll(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`onebox: timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * The haproxy configuration: one frontend for clients (the gateways, least connections, since
 * graphql-ws connections are long), one per subgraph for the gateways (round robin). Servers are
 * checked on /readyz every 500 ms and taken out after 2 failures (a draining process fails it at
 * once). With `retries`, a request that a server refused or closed unanswered (it was stopping)
 * is sent to the other one (`retry-on`, `redispatch`); a subgraph's 503 always is (only /readyz
 * answers 503 there). Idle connections outlive the gateway's pooled ones (30 s).
 */
export function haproxyConfig(options: {
  host: string;
  retries: boolean;
  publicPort: number;
  statsPort: number;
  gateways: { name: string; port: number }[];
  subgraphs: { service: SubgraphName; port: number; servers: { name: string; port: number }[] }[];
}): string {
  const { host } = options;
  const servers = (list: { name: string; port: number }[]) => list.map((s) => `  server ${s.name} ${host}:${s.port} check`).join('\n');
  return `# Generated by platform/src/onebox.ts for one run; not a file to edit.
global
  maxconn 4096

defaults
  mode http
  option http-keep-alive
  timeout connect 2s
  timeout client 70s
  timeout server 70s
  timeout http-request 15s
  timeout http-keep-alive 70s
  timeout tunnel 1h
  timeout client-fin 5s
  timeout check 5s
  retries ${options.retries ? 3 : 1}
  option redispatch 1
  default-server inter 500ms fall 2 rise 2

frontend public
  bind ${host}:${options.publicPort}
  option forwardfor
  default_backend gateway

backend gateway
  balance leastconn
  option httpchk GET /readyz
  http-check expect status 200
  retry-on ${options.retries ? 'conn-failure empty-response' : 'none'}
${servers(options.gateways)}
${options.subgraphs
  .map(
    (s) => `
frontend service-${s.service}
  bind ${host}:${s.port}
  default_backend ${s.service}

backend ${s.service}
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  retry-on ${options.retries ? 'conn-failure empty-response ' : ''}503
${servers(s.servers)}`,
  )
  .join('\n')}

listen stats
  bind ${host}:${options.statsPort}
  stats enable
  stats uri /stats
`;
}

/** Starts the one box: a fresh database, haproxy, every subgraph's replicas, then the gateways'. */
export async function startOnebox(options: OneboxOptions): Promise<Onebox> {
  const host = options.host ?? '127.0.0.1';
  const replicas = options.replicas ?? 2;
  const readyTimeoutMs = options.readyTimeoutMs ?? 300_000;
  const secret = options.internalTokenSecret ?? randomBytes(32).toString('hex');
  const work = mkdtempSync(join(tmpdir(), 'organoise-onebox-'));
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(work, { recursive: true, force: true })];
  const children = new Set<ChildProcess>();
  const unexpectedExits: Onebox['unexpectedExits'] = [];

  const stop = async () => {
    // Gateways first, then subgraphs, then haproxy: the order of a real shutdown.
    for (const group of [processes.filter((p) => p.service === 'gateway'), processes.filter((p) => p.service !== 'gateway')]) {
      await Promise.all(group.map((p) => p.stop()));
    }
    for (const child of children) child.kill('SIGKILL');
    for (const cleanup of cleanups.reverse()) await cleanup();
  };

  let databaseUrl = options.databaseUrl;
  if (!databaseUrl) {
    const name = `organoise_onebox_${randomBytes(6).toString('hex')}`;
    const admin = postgres(options.postgresUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`create database "${name}"`);
    } finally {
      await admin.end();
    }
    const url = new URL(options.postgresUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    cleanups.push(async () => {
      const dropper = postgres(options.postgresUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end();
      }
    });
  }

  const publicPort = options.port || (await freePort(host));
  const statsPort = await freePort(host);
  const servicePorts = Object.fromEntries(await Promise.all(SUBGRAPH_NAMES.map(async (name) => [name, await freePort(host)] as const))) as Record<SubgraphName, number>;
  const serviceUrls = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, `http://${host}:${servicePorts[name]}/graphql`])) as Record<SubgraphName, string>;
  const fileStorageDir = join(work, 'files');

  interface Managed extends OneboxProcess {
    start(): Promise<void>;
    stop(): Promise<void>;
  }
  const managed = async (service: OneboxService, index: number): Promise<Managed> => {
    const name = `${service}-${index}`;
    const port = await freePort(host);
    const common = {
      ...options.baseEnv,
      PORT: String(port),
      HOST: host,
      INTERNAL_TOKEN_SECRET: secret,
      REDIS_URL: options.redisUrl,
      LOG_LEVEL: options.logLevel ?? 'warn',
      SHUTDOWN_DELAY_MS: String(options.shutdownDelayMs ?? 2500),
      APOLLO_TELEMETRY_DISABLED: 'true',
      ACCESS_TOKEN_ISSUER: 'organoise',
    };
    const env =
      service === 'gateway'
        ? {
            ...common,
            ...Object.fromEntries(SUBGRAPH_NAMES.map((s) => [subgraphUrlSetting(s), serviceUrls[s]])),
            GATEWAY_WORKERS: '1',
            // haproxy is the one hop in front: the client address comes from its X-Forwarded-For.
            TRUST_PROXY: '1',
            // As the production manifests run it (docs/decisions/0016-response-cache.md): the
            // replicas share Redis, so a write through one drops the others' answers by its event.
            RESPONSE_CACHE: 'on',
            ...options.gatewayEnv,
          }
        : {
            ...common,
            DATABASE_URL: databaseUrl,
            DATA_DIR: join(work, name),
            // Both file replicas serve the same bytes (a shared volume; S3 in a real cluster).
            FILE_STORAGE_DIR: fileStorageDir,
            // The subgraphs each needs (the file subgraph the workflow one, search its sources), behind haproxy.
            ...Object.fromEntries(SUBGRAPH_NAMES.map((s) => [subgraphUrlSetting(s), serviceUrls[s]])),
            ...options.subgraphEnv,
          };
    const entry = service === 'gateway' ? GATEWAY_MAIN : subgraphMain(service);
    let child: ChildProcess | null = null;
    let expected = false;
    const readyz = `http://${host}:${port}/readyz`;
    const start = async () => {
      expected = false;
      // With stdio 'ignore', stderr is still read, its last lines kept: a process that dies before
      // it is ready says why in the error (else a red CI run shows only an exit code).
      const quiet = options.stdio === 'ignore';
      const started = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env, stdio: ['ignore', options.stdio ?? 'inherit', quiet ? 'pipe' : 'inherit'] });
      let stderrTail = '';
      started.stderr?.on('data', (chunk: Buffer) => {
        stderrTail = (stderrTail + chunk.toString()).slice(-4000);
      });
      const closed = new Promise<void>((resolve) => started.once('close', () => resolve()));
      child = started;
      children.add(started);
      started.once('exit', (code, signal) => {
        children.delete(started);
        if (!expected) unexpectedExits.push({ name, code, signal });
      });
      await poll(
        async () => {
          if (started.exitCode !== null || started.signalCode !== null) throw new Error(`onebox: ${name} exited with ${started.exitCode ?? started.signalCode}`);
          const response = await fetch(readyz, { signal: AbortSignal.timeout(5000) });
          return response.ok;
        },
        `${name} to be ready`,
        readyTimeoutMs,
      ).catch(async (error: unknown) => {
        if (started.exitCode === null && started.signalCode === null) throw error;
        // The pipe may hold the last of its output after the exit: read to its end (briefly).
        await Promise.race([closed, sleep(2000)]);
        const said = stderrTail.trim() ? `; its last output:\n${stderrTail.trim()}` : '';
        throw new Error(`onebox: ${name} exited with ${started.exitCode ?? started.signalCode} before it was ready${said}`);
      });
    };
    const stopChild = async (): Promise<{ exitCode: number | null; signal: string | null }> => {
      const running = child;
      child = null;
      expected = true;
      if (!running || running.exitCode !== null || running.signalCode !== null) return { exitCode: running?.exitCode ?? null, signal: running?.signalCode ?? null };
      const exited = new Promise<{ exitCode: number | null; signal: string | null }>((resolve) => running.once('exit', (code, signal) => resolve({ exitCode: code, signal })));
      running.kill('SIGTERM');
      // A graceful stop takes SHUTDOWN_DELAY_MS plus the requests in flight; past a minute it is stuck.
      const killer = setTimeout(() => running.kill('SIGKILL'), 60_000);
      const result = await exited;
      clearTimeout(killer);
      return result;
    };
    const process_: Managed = {
      name,
      service,
      port,
      pid: () => child?.pid,
      running: () => child !== null && child.exitCode === null && child.signalCode === null,
      start,
      stop: async () => void (await stopChild()),
      restart: async () => {
        const began = Date.now();
        const { exitCode, signal } = await stopChild();
        const stoppedMs = Date.now() - began;
        await start();
        await poll(async () => (await serverStates())[`${service}/${name}`] === 'UP', `haproxy to send ${name} traffic again`, readyTimeoutMs);
        return { exitCode, signal, stoppedMs, backMs: Date.now() - began };
      },
    };
    return process_;
  };

  const processes: Managed[] = [];
  const statsUrl = `http://${host}:${statsPort}/stats`;
  /** haproxy's statistics as CSV rows, each by column name. */
  const statistics = async (): Promise<Record<string, string>[]> => {
    const text = await (await fetch(`${statsUrl};csv`, { signal: AbortSignal.timeout(5000) })).text();
    const [header, ...rows] = text.trim().split('\n');
    const columns = header!.replace(/^# /, '').split(',');
    return rows.map((row) => {
      const cells = row.split(',');
      return Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? '']));
    });
  };
  const serverStates = async (): Promise<Record<string, string>> => {
    const states: Record<string, string> = {};
    for (const row of await statistics()) {
      if (row.svname === 'FRONTEND' || row.svname === 'BACKEND' || row.pxname === 'stats') continue;
      states[`${row.pxname}/${row.svname}`] = row.status!;
    }
    return states;
  };
  const balancerCounts = async (): Promise<Record<string, BalancerCounts>> => {
    const backends = (await statistics()).filter((row) => row.svname === 'BACKEND' && row.pxname !== 'stats');
    return Object.fromEntries(backends.map((row) => [row.pxname!, { retries: Number(row.wretr) || 0, redispatches: Number(row.wredis) || 0, responses5xx: Number(row.hrsp_5xx) || 0 }]));
  };
  const waitAllUp = (timeoutMs = readyTimeoutMs) =>
    poll(
      async () => {
        const states = Object.values(await serverStates());
        return states.length === processes.length && states.every((s) => s === 'UP');
      },
      'haproxy to see every server up',
      timeoutMs,
    );

  try {
    for (const service of [...SUBGRAPH_NAMES, 'gateway' as const]) for (let i = 1; i <= replicas; i++) processes.push(await managed(service, i));
    const config = haproxyConfig({
      host,
      retries: options.balancerRetries ?? true,
      publicPort,
      statsPort,
      gateways: processes.filter((p) => p.service === 'gateway'),
      subgraphs: SUBGRAPH_NAMES.map((service) => ({ service, port: servicePorts[service], servers: processes.filter((p) => p.service === service) })),
    });
    const configPath = join(work, 'haproxy.cfg');
    writeFileSync(configPath, config);
    let haproxyStopping = false;
    const haproxy = spawn(options.haproxy ?? 'haproxy', ['-db', '-f', configPath], { stdio: ['ignore', 'ignore', options.stdio ?? 'inherit'] });
    children.add(haproxy);
    const haproxyExited = new Promise<void>((resolve) => haproxy.once('exit', () => resolve()));
    haproxy.once('exit', (code, signal) => {
      children.delete(haproxy);
      if (!haproxyStopping) unexpectedExits.push({ name: 'haproxy', code, signal });
    });
    let haproxyError: Error | null = null;
    haproxy.once('error', (error) => (haproxyError = error));
    cleanups.push(async () => {
      haproxyStopping = true;
      haproxy.kill('SIGTERM');
      await haproxyExited;
    });
    await poll(
      async () => {
        if (haproxyError) throw new Error(`onebox: cannot run haproxy (${haproxyError.message}); install it: apt-get install haproxy`);
        if (haproxy.exitCode !== null) throw new Error(`onebox: haproxy exited with ${haproxy.exitCode} (its configuration: ${configPath})`);
        return (await fetch(`${statsUrl};csv`)).ok;
      },
      'haproxy to listen',
      30_000,
    ).catch((error: unknown) => {
      throw haproxyError ? new Error(`onebox: cannot run haproxy (${(haproxyError as Error).message}); install it: apt-get install haproxy`) : error;
    });
    // Subgraphs first (their migrations run under a lock, one replica at a time), then the gateways.
    await Promise.all(processes.filter((p) => p.service !== 'gateway').map((p) => p.start()));
    await Promise.all(processes.filter((p) => p.service === 'gateway').map((p) => p.start()));
    await waitAllUp();
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }

  return {
    url: `http://${host}:${publicPort}/graphql`,
    statsUrl,
    serviceUrls,
    databaseUrl,
    processes,
    serverStates,
    balancerCounts,
    waitAllUp,
    unexpectedExits,
    stop,
  };
}

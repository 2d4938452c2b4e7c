import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort } from '../ports.js';

/** A port that was free a moment ago, outside the kernel's ephemeral range (see ../ports.ts): for servers that must be restarted on the same port. */
export { freePort };

export interface PrivateRedis {
  url: string;
  /** Stops this test's own redis-server (by its PID, never the machine's shared one). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

/**
 * A redis-server of the test's own on a free port, for tests that stop and restart Redis: the
 * machine's shared one on 6379 is never touched. Keeps nothing on disk.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      };
      started.stdout!.on('data', onData);
      started.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
      started.once('error', reject);
    });
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, stop, start };
}

/** What a relay does with what Redis sends its clients; the connections stay open in every case. */
export type RelayAnswers = 'pass' | 'hold' | 'drop';

export interface RedisRelay {
  /** redis:// URL of the relay, for the clients under test. */
  url: string;
  /**
   * `pass` (the default) forwards Redis's answers; `hold` keeps them, in order, until the next
   * `pass` sends them on (events in flight, on demand); `drop` swallows them, as a silent peer or a
   * middlebox would (no FIN, no RST: a client sees no 'close').
   */
  answers(mode: RelayAnswers): void;
  close(): Promise<void>;
}

/**
 * A TCP relay between clients and a Redis (`target`, a redis:// URL) that can hold or drop what
 * Redis sends while every connection stays up: what a test needs to see a client through late or
 * lost answers without stopping the server. What the clients send always goes through.
 */
export async function startRedisRelay(target: string): Promise<RedisRelay> {
  const { hostname, port } = new URL(target);
  let mode: RelayAnswers = 'pass';
  const flushers = new Set<() => void>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    const held: Buffer[] = [];
    const flush = () => {
      for (const chunk of held.splice(0)) client.write(chunk);
    };
    flushers.add(flush);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (mode === 'pass') client.write(chunk);
      else if (mode === 'hold') held.push(chunk);
    });
    const end = () => {
      flushers.delete(flush);
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    answers: (next) => {
      mode = next;
      if (next === 'pass') for (const flush of flushers) flush();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface PrivatePostgres {
  url: string;
  /** Stops this test's own server at once (`pg_ctl -m immediate`: as a crash would), by its data directory. */
  stop(): Promise<void>;
  /** Starts it again on the same port, with its data. */
  start(): Promise<void>;
  /** Stops it and deletes its data directory. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL server of the test's own (initdb into a temporary directory, a free port, trust
 * auth), for tests that stop and restart the database: the machine's shared server on 5432 is
 * never touched. As root, the server runs as the `postgres` user (it refuses to run as root).
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const { mkdtemp, rm, readdir, chown } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const run = promisify(execFile);
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  const bin = (name: string) => (newest ? `/usr/lib/postgresql/${newest}/bin/${name}` : name);
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), 'organoise-pg-'));
  let uid = -1;
  let gid = -1;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    uid = Number(stdout.trim());
    gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await chown(dir, uid, gid);
  }
  const pg = (command: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', bin(command), ...args]) : run(bin(command), args));
  const data = join(dir, 'data');
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-w', '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  };
  const stop = async () => {
    await pg('pg_ctl', ['-D', data, '-w', '-m', 'immediate', 'stop']).catch(() => {});
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    destroy: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

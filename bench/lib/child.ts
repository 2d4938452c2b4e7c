import { fork, type ChildProcess } from 'node:child_process';
import { childEnv } from '../env.js';

// A benchmark's services each run in their own child process, so that CPU and memory are
// measured per service. The parent sends one config message; the child answers with what it
// started (`ready`) and stops on a `stop` message, a signal, or when the parent goes away.

type ToChild<C> = { type: 'start'; config: C } | { type: 'stop' };
type FromChild<R> = { type: 'ready'; info: R } | { type: 'failed'; error: string };

export interface Child<R> {
  pid: number;
  /** The forked process (for a benchmark's own messages to the service). */
  process: ChildProcess;
  info: R;
  /** Asks the child to close and exit; kills it if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Runs in the child: starts the service from the parent's config and reports back. */
export function serveChild<C, R>(start: (config: C) => Promise<{ info: R; close(): Promise<void> }>): void {
  let close: (() => Promise<void>) | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void (close?.() ?? Promise.resolve()).finally(() => process.exit(0));
  };
  process.on('message', (message: ToChild<C>) => {
    if (message.type === 'stop') return stop();
    // Other messages belong to the service itself (e.g. a benchmark asking for a reading).
    if (message.type !== 'start') return;
    start(message.config).then(
      (started) => {
        close = started.close;
        process.send!({ type: 'ready', info: started.info } satisfies FromChild<R>);
      },
      (error: unknown) => {
        process.send!({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies FromChild<R>);
        process.exit(1);
      },
    );
  });
  process.once('disconnect', stop);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, stop);
}

/** Runs in the parent: forks a TypeScript entry, sends its config and waits until it is ready. */
export async function startChild<C, R>(entry: string, config: C, options: { execArgv?: string[]; readyTimeoutMs?: number } = {}): Promise<Child<R>> {
  const child: ChildProcess = fork(entry, [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: childEnv(),
    // The services' output goes to our stderr: stdout is kept for the figures.
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send({ type: 'stop' } satisfies ToChild<C>);
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  try {
    const info = await new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${entry} was not ready within ${options.readyTimeoutMs ?? 60_000} ms`)), options.readyTimeoutMs ?? 60_000);
      child.once('exit', (code, signal) => reject(new Error(`${entry} exited (${signal ?? code}) before it was ready`)));
      child.on('message', (message: FromChild<R>) => {
        clearTimeout(timer);
        if (message.type === 'ready') resolve(message.info);
        else reject(new Error(`${entry} failed to start:\n${message.error}`));
      });
      child.send({ type: 'start', config } satisfies ToChild<C>);
    });
    return { pid: child.pid!, process: child, info, stop };
  } catch (error) {
    await stop(1000);
    throw error;
  }
}

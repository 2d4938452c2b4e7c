import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';

// What a bench:fanout child measures about itself during the measured window only (the parent
// sends `window-start` when publishing starts and `window-stop` after the drain): its event
// loop's delay, and with BENCH_PROFILE a CPU profile of the window (not of the connect and
// warm-up before it). Each child answers `window-stop` with its figures.

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

export interface WindowReport<E = Record<string, unknown>> {
  /** The answer carries the request's type (the parent's `ask` matches on it). */
  type: 'window-stop';
  loopDelayMs: LoopDelay;
  /** Where the CPU profile of the window was written (BENCH_PROFILE), or null. */
  profile: string | null;
  extra: E;
}

const ms = (ns: number) => Math.round(ns / 1e4) / 100;

/** Answers the parent's window messages; `extra` adds a child's own figures to the report. */
export function serveWindow<E>(hooks: { start?: () => void; extra: () => E }): void {
  let histogram: ReturnType<typeof monitorEventLoopDelay> | undefined;
  let session: Session | undefined;
  process.on('message', (message: { type: string; profile?: string | null }) => {
    if (message.type === 'window-start') {
      histogram?.disable();
      histogram = monitorEventLoopDelay({ resolution: 5 });
      histogram.enable();
      hooks.start?.();
      if (message.profile) {
        session = new Session();
        session.connect();
        void session.post('Profiler.enable').then(() => session!.post('Profiler.start'));
      }
    }
    if (message.type === 'window-stop') {
      histogram?.disable();
      const loopDelayMs = histogram ? { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) } : { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
      const finish = async (): Promise<string | null> => {
        if (!session || !message.profile) return null;
        const { profile } = await session.post('Profiler.stop');
        session.disconnect();
        session = undefined;
        writeFileSync(message.profile, JSON.stringify(profile));
        return message.profile;
      };
      void finish().then((profile) => process.send!({ type: 'window-stop', loopDelayMs, profile, extra: hooks.extra() } satisfies WindowReport<E>));
    }
  });
}

/** p50, p99 and max of a list of ms (sorted here). */
export function spread(values: number[]): { n: number; p50: number; p90: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  const round = (v: number) => Math.round(v * 10) / 10;
  return { n: sorted.length, p50: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? Number.NaN) };
}

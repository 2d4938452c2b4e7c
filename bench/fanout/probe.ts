import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

// What a bench:fanout child measures about itself during the measured window only (the parent
// sends `window-start` when publishing starts and `window-stop` after the drain): its event
// loop's delay, and with BENCH_PROFILE a CPU profile of the window (not of the connect and
// warm-up before it). Each child answers `window-stop` with its figures.

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/**
 * The event loop's stalls over the window (a 10 ms timer late by more than STALL_MS), and what the
 * process did during them: its own CPU time (user + system, from process.cpuUsage) and its GC pauses
 * that ended inside them. A stall with little CPU of its own was time without a core (the machine's
 * other processes); one full of CPU was the process's own work; GC says how much of that was GC.
 */
export interface Stalls {
  count: number;
  totalMs: number;
  maxMs: number;
  cpuMs: number;
  gcMs: number;
  /** The longest few: [stall ms, own CPU ms, GC ms]. */
  longest: [number, number, number][];
}

const STALL_MS = 50;

function watchStalls(): () => Stalls {
  const gcEnds: { end: number; duration: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcEnds.push({ end: entry.startTime + entry.duration, duration: entry.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  const stalls: [number, number, number][] = [];
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  const timer = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const late = now - last - 10;
    if (late > STALL_MS) {
      const from = last;
      const used = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
      const gc = gcEnds.filter((g) => g.end > from && g.end <= now).reduce((n, g) => n + g.duration, 0);
      stalls.push([now - from, used, gc]);
    }
    last = now;
    lastCpu = cpu;
  }, 10);
  return () => {
    clearInterval(timer);
    observer.disconnect();
    const round = (v: number) => Math.round(v * 10) / 10;
    const sum = (i: 0 | 1 | 2) => round(stalls.reduce((n, s) => n + s[i], 0));
    return {
      count: stalls.length,
      totalMs: sum(0),
      maxMs: round(Math.max(0, ...stalls.map((s) => s[0]))),
      cpuMs: sum(1),
      gcMs: sum(2),
      longest: [...stalls].sort((a, b) => b[0] - a[0]).slice(0, 3).map((s) => s.map(round) as [number, number, number]),
    };
  };
}

export interface WindowReport<E = Record<string, unknown>> {
  /** The answer carries the request's type (the parent's `ask` matches on it). */
  type: 'window-stop';
  loopDelayMs: LoopDelay;
  stalls: Stalls;
  /** Where the CPU profile of the window was written (BENCH_PROFILE), or null. */
  profile: string | null;
  extra: E;
}

const ms = (ns: number) => Math.round(ns / 1e4) / 100;

/** Answers the parent's window messages; `extra` adds a child's own figures to the report. */
export function serveWindow<E>(hooks: { start?: () => void; extra: () => E }): void {
  let histogram: ReturnType<typeof monitorEventLoopDelay> | undefined;
  let session: Session | undefined;
  let stopStalls: (() => Stalls) | undefined;
  process.on('message', (message: { type: string; profile?: string | null }) => {
    if (message.type === 'window-start') {
      histogram?.disable();
      histogram = monitorEventLoopDelay({ resolution: 5 });
      histogram.enable();
      stopStalls?.();
      stopStalls = watchStalls();
      hooks.start?.();
      if (message.profile) {
        session = new Session();
        session.connect();
        void session.post('Profiler.enable').then(() => session!.post('Profiler.start'));
      }
    }
    if (message.type === 'window-stop') {
      histogram?.disable();
      const stalls = stopStalls?.() ?? { count: 0, totalMs: 0, maxMs: 0, cpuMs: 0, gcMs: 0, longest: [] };
      stopStalls = undefined;
      const loopDelayMs = histogram ? { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) } : { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
      const finish = async (): Promise<string | null> => {
        if (!session || !message.profile) return null;
        const { profile } = await session.post('Profiler.stop');
        session.disconnect();
        session = undefined;
        writeFileSync(message.profile, JSON.stringify(profile));
        return message.profile;
      };
      void finish().then((profile) => process.send!({ type: 'window-stop', loopDelayMs, stalls, profile, extra: hooks.extra() } satisfies WindowReport<E>));
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

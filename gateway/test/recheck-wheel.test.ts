import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecheckWheel } from '../src/transports/live.js';

// The wheel that re-checks every open subscription's session: one timer for all sockets.
describe('RecheckWheel', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs each check once per period, spread over the period rather than all at once', async () => {
    vi.useFakeTimers();
    const wheel = new RecheckWheel(1000);
    const runs = new Map<number, number[]>();
    for (let i = 0; i < 100; i++) wheel.add(async () => void (runs.get(i) ?? runs.set(i, []).get(i)!).push(Date.now()));
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(3000);
    for (let i = 0; i < 100; i++) expect(runs.get(i)?.length).toBe(3);
    // No more than one twentieth of the checks (5 of 100) share a tick.
    const perTick = new Map<number, number>();
    for (const times of runs.values()) for (const t of times) perTick.set(t, (perTick.get(t) ?? 0) + 1);
    expect(Math.max(...perTick.values())).toBe(5);
    expect(Math.min(...[...runs.values()].map((t) => t[0]!))).toBeGreaterThan(start);
    wheel.close();
  });

  it('stops running a check once it is removed, and a failing check does not stop the others', async () => {
    vi.useFakeTimers();
    const wheel = new RecheckWheel(200);
    let kept = 0;
    let removed = 0;
    const gone = async () => void removed++;
    wheel.add(gone);
    wheel.add(async () => {
      throw new Error('lookup failed');
    });
    wheel.add(async () => void kept++);
    await vi.advanceTimersByTimeAsync(200);
    expect(removed).toBe(1);
    wheel.remove(gone);
    await vi.advanceTimersByTimeAsync(1000);
    expect(removed).toBe(1);
    expect(kept).toBe(6);
    wheel.close();
  });
});

import { createEventIterator, isAppError } from '@organoise/core';
import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { Subscriber, type DirectWrite, type QueueCounters } from '../src/subscriptions/engine.js';

/**
 * One subscriber's bounded queue, pulled or written directly (issue 16: graphql-ws writes each
 * `next` frame from the topic's hand-over). Written directly, the frames not yet flushed to the
 * kernel are what waits: the same maxQueue and maxQueueBytes bound them, a full queue cuts the
 * subscriber off with SLOW_CONSUMER rather than take one more event, and a flushed frame makes room.
 */
function subscriber(maxQueue: number, maxBytes: number) {
  const counters: QueueCounters = { peakQueued: 0, peakQueuedBytes: 0, slowConsumers: 0 };
  let slow = 0;
  const s = new Subscriber(counters, new Set(), maxQueue, maxBytes, () => slow++);
  s.inner = createEventIterator<ExecutionResult>({
    maxQueue,
    start: async (sink) => {
      s.sink = sink;
      return async () => {};
    },
  });
  return { s, counters, slowCalls: () => slow };
}

/** A socket that takes frames and flushes them when told. */
function fakeSocket() {
  const written: string[] = [];
  const unflushed: (() => void)[] = [];
  const write: DirectWrite = (result, flushed) => {
    const text = JSON.stringify(result);
    written.push(text);
    unflushed.push(flushed);
    return Buffer.byteLength(text);
  };
  return { write, written, flushOne: () => unflushed.shift()?.() };
}

const event = (n: number, pad = 0): ExecutionResult => ({ data: { n, pad: 'x'.repeat(pad) } });

describe('a subscriber written directly', () => {
  it('writes each pushed event at once, in order, and its iterator yields only the end', async () => {
    const { s } = subscriber(4, 1_000_000);
    const socket = fakeSocket();
    expect(s.writeDirect(socket.write)).toBe(true);
    const pulled = s.next();
    for (let n = 0; n < 3; n++) {
      s.push(event(n));
      socket.flushOne();
    }
    expect(socket.written.map((t) => (JSON.parse(t) as { data: { n: number } }).data.n)).toEqual([0, 1, 2]);
    s.end();
    expect(await pulled).toEqual({ value: undefined, done: true });
  });

  it('is cut off with SLOW_CONSUMER when maxQueue frames wait unflushed, never writing one more', async () => {
    const { s, counters, slowCalls } = subscriber(4, 1_000_000);
    const socket = fakeSocket();
    expect(s.writeDirect(socket.write)).toBe(true);
    const pulled = s.next();
    for (let n = 0; n < 6; n++) s.push(event(n));
    expect(socket.written).toHaveLength(4);
    expect(counters.peakQueued).toBe(4);
    expect(counters.slowConsumers).toBe(1);
    expect(slowCalls()).toBe(1);
    const failure = await pulled.then(() => null, (error: unknown) => error);
    expect(isAppError(failure) && failure.extensions.code).toBe('SLOW_CONSUMER');
  });

  it('keeps going while the peer reads: a flushed frame makes room', () => {
    const { s, counters } = subscriber(4, 1_000_000);
    const socket = fakeSocket();
    s.writeDirect(socket.write);
    void s.next().catch(() => {});
    for (let n = 0; n < 100; n++) {
      s.push(event(n));
      if (n % 2 === 1) {
        socket.flushOne();
        socket.flushOne();
      }
    }
    expect(socket.written).toHaveLength(100);
    expect(counters.slowConsumers).toBe(0);
    expect(counters.peakQueued).toBe(2);
  });

  it('is cut off by bytes before the event count when the events are large', async () => {
    const { s, counters } = subscriber(100, 3_000);
    const socket = fakeSocket();
    s.writeDirect(socket.write);
    const pulled = s.next();
    for (let n = 0; n < 10; n++) s.push(event(n, 1_000));
    expect(counters.slowConsumers).toBe(1);
    expect(socket.written).toHaveLength(3);
    expect(counters.peakQueuedBytes).toBeGreaterThan(3_000);
    expect(counters.peakQueuedBytes).toBeLessThan(3_000 + 1_100);
    expect(await pulled.then(() => null, (error: unknown) => (isAppError(error) ? error.extensions.code : error))).toBe('SLOW_CONSUMER');
  });

  it('fails alone when its write throws: the push returns, the iterator fails with the error', async () => {
    const { s } = subscriber(4, 1_000_000);
    s.writeDirect(() => {
      throw new Error('cannot serialise');
    });
    const pulled = s.next();
    expect(() => s.push(event(0))).not.toThrow();
    expect(await pulled.then(() => null, (error: unknown) => (error as Error).message)).toBe('cannot serialise');
  });

  it('is refused while events wait in the pulled queue, and writes nothing after the consumer returned', async () => {
    const queued = subscriber(4, 1_000_000);
    queued.s.push(event(0));
    expect(queued.s.writeDirect(fakeSocket().write)).toBe(false);
    expect(await queued.s.next()).toEqual({ value: event(0), done: false });

    const { s } = subscriber(4, 1_000_000);
    const socket = fakeSocket();
    s.writeDirect(socket.write);
    await s.return();
    s.push(event(1));
    expect(socket.written).toHaveLength(0);
  });
});

import { CombinedGraphQLErrors } from '@apollo/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResumableSubscription, type LiveObserver, type LiveStatus } from '../src/live';

// A stand-in event stream (the gateway's replay is e2e-tested against the real stack): it keeps
// an ordered log and, like the gateway, replays every event after the cursor a subscriber sends.
function standInStream() {
  const log: { cursor: string; name: string }[] = [];
  const subscribers: { after: string | null; observer: LiveObserver<{ cursor: string; name: string }>; open: boolean }[] = [];
  return {
    subscribers,
    source: (after: string | null, observer: LiveObserver<{ cursor: string; name: string }>) => {
      const entry = { after, observer, open: true };
      subscribers.push(entry);
      for (const event of log) if (after === null ? false : BigInt(event.cursor) > BigInt(after)) observer.next(event);
      return () => void (entry.open = false);
    },
    publish(name: string, deliver = true) {
      const event = { cursor: String(log.length + 1), name };
      log.push(event);
      if (deliver) for (const s of subscribers) if (s.open) s.observer.next(event);
    },
    /** The socket dies: every open subscriber sees a network error. */
    drop() {
      for (const s of subscribers) if (s.open) (s.open = false), s.observer.error(new TypeError('socket closed'));
    },
  };
}

describe('ResumableSubscription (stand-in stream)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('should resubscribe from the last cursor after a drop, showing each missed event once and in order', async () => {
    const stream = standInStream();
    const seen: string[] = [];
    const statuses: LiveStatus[] = [];
    const live = new ResumableSubscription(stream.source, { cursorOf: (e) => e.cursor, onEvent: (e) => seen.push(e.name), onStatus: (s) => statuses.push(s) });
    live.start();
    stream.publish('a');
    stream.publish('b');
    stream.drop();
    expect(statuses.at(-1)).toBe('reconnecting');
    stream.publish('c', false); // while the socket is down
    stream.publish('d', false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stream.subscribers.map((s) => s.after)).toEqual([null, '2']);
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
    expect(live.lastCursor).toBe('4');
    expect(statuses.at(-1)).toBe('live');
    live.stop();
  });

  it('should drop an event at or before its cursor, so an overlapping replay shows nothing twice', () => {
    const seen: string[] = [];
    let observer!: LiveObserver<{ cursor: string }>;
    const live = new ResumableSubscription<{ cursor: string }>((_after, o) => ((observer = o), () => {}), { cursorOf: (e) => e.cursor, onEvent: (e) => seen.push(e.cursor) });
    live.start();
    for (const cursor of ['1', '2', '2', '1', '10', '9', '11']) observer.next({ cursor });
    expect(seen).toEqual(['1', '2', '10', '11']);
  });

  it('should wait while offline and resume at once when the network returns', async () => {
    const stream = standInStream();
    let online = true;
    const seen: string[] = [];
    const statuses: LiveStatus[] = [];
    const live = new ResumableSubscription(stream.source, { cursorOf: (e) => e.cursor, onEvent: (e) => seen.push(e.name), onStatus: (s) => statuses.push(s), isOnline: () => online });
    live.start();
    stream.publish('a');
    online = false;
    live.offline();
    expect(stream.subscribers[0]!.open).toBe(false);
    stream.publish('b', false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(stream.subscribers).toHaveLength(1);
    expect(statuses.at(-1)).toBe('offline');
    online = true;
    live.online();
    expect(stream.subscribers.at(-1)!.after).toBe('1');
    expect(seen).toEqual(['a', 'b']);
    live.stop();
  });

  it('should say live at once when it resumes on a socket already open, and reconnecting until then', () => {
    const stream = standInStream();
    let connected = false;
    const statuses: LiveStatus[] = [];
    const live = new ResumableSubscription(stream.source, { cursorOf: (e) => e.cursor, onStatus: (s) => statuses.push(s), isOnline: () => true, isConnected: () => connected });
    live.start();
    expect(statuses).toEqual(['connecting']);
    live.offline();
    live.online();
    expect(statuses.at(-1)).toBe('reconnecting');
    live.connected();
    expect(statuses.at(-1)).toBe('live');
    live.offline();
    connected = true; // another screen's subscription reopened the socket first
    live.online();
    expect(statuses.at(-1)).toBe('live');
    live.stop();
  });

    it('should start again without a cursor, and ask for a refetch, when the cursor is too old to replay', async () => {
    const afters: (string | null)[] = [];
    let observer!: LiveObserver<{ cursor: string }>;
    const onRestart = vi.fn();
    const live = new ResumableSubscription<{ cursor: string }>((after, o) => (afters.push(after), (observer = o), () => {}), { cursorOf: (e) => e.cursor, onRestart });
    live.start();
    observer.next({ cursor: '5' });
    observer.error(new CombinedGraphQLErrors({ errors: [{ message: 'truncated', extensions: { code: 'EVENT_LOG_TRUNCATED' } }] }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(onRestart).toHaveBeenCalledOnce();
    expect(afters).toEqual([null, null]);
  });

  it('should stop for good on a refusal that resubscribing cannot fix', async () => {
    const statuses: LiveStatus[] = [];
    let observer!: LiveObserver<{ cursor: string }>;
    let count = 0;
    const live = new ResumableSubscription<{ cursor: string }>((_after, o) => ((count += 1), (observer = o), () => {}), { cursorOf: (e) => e.cursor, onStatus: (s) => statuses.push(s) });
    live.start();
    observer.error(new CombinedGraphQLErrors({ errors: [{ message: 'no', extensions: { code: 'NOT_FOUND' } }] }));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(count).toBe(1);
    expect(statuses.at(-1)).toBe('failed');
  });
});

import { waitFor } from '@organoise/core/testing';
import type { ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CatchUp, replayThenHandOver } from '../src/subscriptions/engine.js';

// A resuming subscriber's catch-up, driven by a fake log and a fake live topic: no subgraph can
// be made to interleave its pages and its live pushes exactly where these cases need them, so
// the log here is an array and "live" is a call. e2e/resume.e2e.ts covers the real path.

const PAGE = 100;

/** A log of events 1..head; reading pages of at most PAGE, each event's position is its number. */
function fakeLog(head: () => number, options: { keepsFrom?: number; onPage?: (after: number) => void } = {}) {
  const pages: [number, number][] = [];
  return {
    pages,
    limit: 10_000,
    readPage: async (after: number, until: number) => {
      pages.push([after, until]);
      options.onPage?.(after);
      await new Promise((resolve) => setImmediate(resolve));
      const first = Math.max(after + 1, options.keepsFrom ?? 1);
      const last = Math.min(until, head(), after + PAGE);
      const events = first > last ? [] : Array.from({ length: last - first + 1 }, (_, i) => first + i);
      return { events, replayedTo: events.length ? last : after };
    },
    hydrate: async (n: number): Promise<ExecutionResult> => ({ data: { n } }),
  };
}

/** The subscriber's side: what reached it, and how it ended. */
function subscriber() {
  const received: number[] = [];
  const end: { failed?: unknown; ended?: boolean } = {};
  return {
    received,
    end,
    sink: {
      push: (r: ExecutionResult) => void received.push(r.data ? (r.data as { n: number }).n : -1),
      fail: (error: unknown) => void (end.failed = error),
      end: () => void (end.ended = true),
    },
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('a resuming subscriber catching up', () => {
  it('reads the backlog in pages up to where it joined, then the live events that arrived meanwhile, each once and in order', async () => {
    let head = 250; // the topic joined at 250: events 1..250 are backlog
    const topic = { position: 250 };
    const client = subscriber();
    const catchUp = new CatchUp(client.sink, 1000, async () => undefined);
    catchUp.topicPosition = () => topic.position;
    catchUp.until = 250;
    const live = (n: number) => {
      head = topic.position = n;
      catchUp.gate.push({ data: { n } });
    };
    // Live events arrive while each page is read.
    const log = fakeLog(() => head, { onPage: () => live(head + 1) });
    await replayThenHandOver(catchUp, 20, log);
    live(head + 1); // after the hand-over, straight through
    expect(log.pages).toEqual([[20, 250], [120, 250], [220, 250]]);
    expect(client.received).toEqual(range(21, 254));
  });

  it('drops the live events it can no longer hold, moving the backlog end past them, and reads them from the log instead', async () => {
    let head = 10;
    const topic = { position: 10 };
    const client = subscriber();
    const catchUp = new CatchUp(client.sink, 3, async () => undefined);
    catchUp.topicPosition = () => topic.position;
    catchUp.until = 10;
    // A burst of five live events during the first page: more than the three it may buffer.
    const log = fakeLog(() => head, {
      onPage: (after) => {
        if (after !== 0) return;
        for (let i = 0; i < 5; i++) {
          head = topic.position = head + 1;
          catchUp.gate.push({ data: { n: head } });
        }
      },
    });
    await replayThenHandOver(catchUp, 0, log);
    expect(catchUp.until).toBe(14); // the fourth overflowed the buffer: 11..14 come from the log
    expect(log.pages).toEqual([[0, 10], [10, 14]]);
    expect(client.received).toEqual(range(1, 15));
  });

  it('passes on the topic ending or failing during the catch-up only after the backlog', async () => {
    for (const outcome of ['end', 'fail'] as const) {
      const client = subscriber();
      const catchUp = new CatchUp(client.sink, 100, async () => undefined);
      catchUp.topicPosition = () => 5;
      catchUp.until = 5;
      const log = fakeLog(() => 5, {
        onPage: () => {
          if (outcome === 'end') catchUp.gate.end();
          else catchUp.gate.fail(new Error('upstream lost'));
        },
      });
      await replayThenHandOver(catchUp, 0, log);
      expect(client.received).toEqual(range(1, 5));
      expect(client.end).toEqual(outcome === 'end' ? { ended: true } : { failed: new Error('upstream lost') });
    }
  });

  it('waits for room before each backlog event: a subscriber that stops reading stops the replay', async () => {
    const client = subscriber();
    let room: (() => void) | undefined;
    const catchUp = new CatchUp(client.sink, 100, () => (client.received.length < 3 ? Promise.resolve() : new Promise<void>((resolve) => (room = resolve))));
    catchUp.until = 300;
    const log = fakeLog(() => 300);
    const done = replayThenHandOver(catchUp, 0, log);
    await waitFor(() => room !== undefined, 'the replay to wait for room');
    expect(client.received).toEqual([1, 2, 3]);
    expect(log.pages).toHaveLength(1);
    catchUp.close(); // the subscriber leaves while waiting
    room!();
    await done;
    expect(client.received).toEqual([1, 2, 3]);
    expect(log.pages).toHaveLength(1);
  });

  it('refuses a cursor too far behind with RESUME_TOO_FAR_BEHIND, and a log that no longer reaches it with EVENT_LOG_TRUNCATED, delivering nothing', async () => {
    const far = subscriber();
    const farCatchUp = new CatchUp(far.sink, 100, async () => undefined);
    farCatchUp.until = 20_001;
    await expect(replayThenHandOver(farCatchUp, 1, fakeLog(() => 20_001))).rejects.toMatchObject({ extensions: { code: 'RESUME_TOO_FAR_BEHIND', behind: 20_000 } });
    expect(far.received).toEqual([]);

    const trimmed = subscriber();
    const trimmedCatchUp = new CatchUp(trimmed.sink, 100, async () => undefined);
    trimmedCatchUp.until = 500;
    await expect(replayThenHandOver(trimmedCatchUp, 10, fakeLog(() => 500, { keepsFrom: 200 }))).rejects.toMatchObject({ extensions: { code: 'EVENT_LOG_TRUNCATED' } });
    expect(trimmed.received).toEqual([]);
  });
});

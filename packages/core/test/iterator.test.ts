import { describe, expect, it } from 'vitest';
import { createEventIterator, type EventSink } from '../src/index.js';

function source(maxQueue = 3) {
  let sink!: EventSink<number>;
  let closed = 0;
  const iterator = createEventIterator<number>({
    maxQueue,
    start: async (s) => {
      sink = s;
      return async () => {
        closed++;
      };
    },
  });
  return { iterator, sink: () => sink, closed: () => closed };
}

describe('event iterator', () => {
  it('yields pushed values in order, including ones pushed before next() was called', async () => {
    const { iterator, sink } = source();
    const first = iterator.next();
    await Promise.resolve();
    sink().push(1);
    sink().push(2);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await iterator.next()).toEqual({ value: 2, done: false });
  });

  it('closes its upstream on return(), even while a next() is pending', async () => {
    const { iterator, closed } = source();
    const pending = iterator.next();
    await iterator.return!();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(closed()).toBe(1);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('cuts off a consumer that lets the queue overflow with SLOW_CONSUMER, and closes the upstream', async () => {
    const { iterator, sink, closed } = source(3);
    await Promise.resolve(); // let the source start
    for (let i = 0; i < 4; i++) sink().push(i);
    await expect(iterator.next()).rejects.toMatchObject({ extensions: { code: 'SLOW_CONSUMER' } });
    expect(closed()).toBe(1);
  });
});

describe('event iterator ending', () => {
  it('delivers what is queued, then reports done, when the source ends', async () => {
    const { iterator, sink, closed } = source(5);
    await Promise.resolve();
    sink().push(1);
    sink().end();
    sink().push(2); // ignored: the source has ended
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
    expect(closed()).toBe(1);
  });
});

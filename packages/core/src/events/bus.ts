import { appError, isAppError } from '../errors.js';
import { observeEventLag } from '../metrics.js';
import type { Database } from '../db.js';
import type { EventLog, NewEvent, StoredEvent } from './log.js';
import { toMessage, type EventMessage, type PubSub, type Unsubscribe } from './pubsub.js';

/** A subgraph's event machinery: its log, the shared PubSub, and its channel prefix. */
export interface EventBus {
  log: EventLog;
  pubsub: PubSub;
  /** `organoise:<subgraph>`; a stream's channel is `<prefix>:<stream>`. */
  prefix: string;
}

export const channelOf = (bus: Pick<EventBus, 'prefix'>, stream: string) => `${bus.prefix}:${stream}`;

export type Emit = (event: NewEvent) => Promise<StoredEvent>;

/** Each bus's publishes, chained so that one process publishes a stream's events in seq order. */
const publishing = new WeakMap<EventBus, Promise<void>>();

/**
 * Committed events not yet published, per bus, oldest first. A publish that fails (Redis
 * unreachable from this process) is tried again, with the events after it, every
 * REPUBLISH_EVERY_MS until it goes through: a follower of the log finds the event anyway, but a
 * listener of the channel alone (the gateway's credential watches and response cache,
 * docs/decisions/0017-credential-events.md) learns of it only from a publish. Every listener takes
 * a late or repeated event: followers drop a seq they have delivered, the others re-check or
 * drop answers again. Bounded: past MAX_UNPUBLISHED, or MAX_UNPUBLISHED_AGE_MS after its commit
 * (the listeners' own periodic checks have covered it by then), an event is only in the log.
 */
const unpublished = new WeakMap<EventBus, StoredEvent[]>();
const retrying = new WeakSet<EventBus>();
const REPUBLISH_EVERY_MS = 1000;
const MAX_UNPUBLISHED = 10_000;
const MAX_UNPUBLISHED_AGE_MS = 60_000;

function chainPublish(bus: EventBus): void {
  const previous = publishing.get(bus) ?? Promise.resolve();
  const next = previous.then(() => publishQueued(bus));
  publishing.set(bus, next);
  void next.then(() => {
    if (publishing.get(bus) === next) publishing.delete(bus);
  });
}

async function publishQueued(bus: EventBus): Promise<void> {
  const queue = unpublished.get(bus);
  if (!queue) return;
  const oldest = Date.now() - MAX_UNPUBLISHED_AGE_MS;
  while (queue.length > 0 && (queue.length > MAX_UNPUBLISHED || queue[0]!.createdAt.getTime() < oldest)) queue.shift();
  while (queue.length > 0) {
    const event = queue[0]!;
    try {
      await bus.pubsub.publish(channelOf(bus, event.stream), toMessage(event));
    } catch {
      // A bus that says it is healthy refused this one message: trying again would hold every
      // later event back, so it is left to the log, as before the retries.
      if (bus.pubsub.healthy()) {
        queue.shift();
        continue;
      }
      // Followers find it in the log; the channel's listeners get it on a later try.
      if (!retrying.has(bus)) {
        retrying.add(bus);
        setTimeout(() => {
          retrying.delete(bus);
          chainPublish(bus);
        }, REPUBLISH_EVERY_MS).unref();
      }
      return;
    }
    queue.shift();
  }
  unpublished.delete(bus);
}

/**
 * Runs `work` in one transaction with an `emit` that appends events to the log in that same
 * transaction; after the commit, publishes them in order, in the background. The commit is the
 * acknowledgement: the answer never waits for the bus (an unreachable Redis must not delay or
 * fail a write that is saved). A rolled-back transaction publishes nothing; a failed publish
 * loses nothing (followers read the log, and it is tried again: `unpublished` above).
 */
export async function transactionWithEvents<T>(db: Database, bus: EventBus, work: (tx: Database, emit: Emit) => Promise<T>): Promise<T> {
  const appended: StoredEvent[] = [];
  const result = await db.transaction(async (tx) => {
    const txDb = tx as unknown as Database;
    return work(txDb, async (event) => {
      const stored = await bus.log.append(txDb, event);
      appended.push(stored);
      return stored;
    });
  });
  if (appended.length > 0) {
    let queue = unpublished.get(bus);
    if (!queue) unpublished.set(bus, (queue = []));
    queue.push(...appended);
    chainPublish(bus);
  }
  return result;
}

/** Resolves once every publish started so far by transactionWithEvents on `bus` has been tried (once; a failed one is tried again later). */
export function publishesSettled(bus: EventBus): Promise<void> {
  return publishing.get(bus) ?? Promise.resolve();
}

/** While the bus is down, followers read the log this often (delivery within about a second). */
export const DEGRADED_POLL_MS = 500;

export interface FollowOptions {
  bus: EventBus;
  stream: string;
  /** Resume after this seq (a client's last cursor). Absent: only events committed from now on. */
  after?: number | null | undefined;
  onEvent: (event: EventMessage) => void | Promise<void>;
  /** Called once when following stops on a failure (e.g. EVENT_LOG_TRUNCATED); not on close(). */
  onError: (error: unknown) => void;
  /** A read or delivery failed for a passing reason (database unreachable); following goes on from the cursor. */
  onTransientError?: (error: unknown) => void;
  /**
   * Also read the log this often, to catch a lost publish when no later event arrives. 0 = never.
   * Whatever this is, the log is read every DEGRADED_POLL_MS while the PubSub is not healthy.
   */
  pollIntervalMs?: number;
}

export interface Following {
  /** The seq of the last event delivered. */
  lastSeq(): number;
  close(): Promise<void>;
}

const PAGE = 500;
/** A follower whose reads keep failing this long (not a restart, then: a bug, or an outage) ends with the error. */
const MAX_RETRY_MS = 120_000;

/**
 * Delivers a stream's events once each, in seq order: replays the log after the cursor, then
 * live events from PubSub; a jump in seq is filled from the log; duplicates are dropped.
 * Everything runs through one queue, so onEvent calls never overlap.
 */
export async function followStream(options: FollowOptions): Promise<Following> {
  const { bus, stream } = options;
  let last = 0;
  let closed = false;
  let failed = false;
  let unsubscribe: Unsubscribe | undefined;
  let timer: NodeJS.Timeout | undefined;
  let release!: () => void;
  let queue: Promise<void> = new Promise<void>((resolve) => (release = resolve));

  // The cursor moves only once the event was handed over: a delivery that failed (a filter's
  // query during a database restart) is read again from the log.
  // The service label: the bus prefix without its `organoise:` (docs/operations.md).
  const service = bus.prefix.startsWith('organoise:') ? bus.prefix.slice('organoise:'.length) : bus.prefix;
  const deliver = async (event: EventMessage) => {
    await options.onEvent(event);
    last = event.seq;
    observeEventLag(service, stream, event.createdAt);
  };
  /** The start position is fixed: from here a failed read can be retried from `last`. */
  let positioned = false;
  /** A read failed for a passing reason (the database restarting): poll at the degraded rate until one succeeds. */
  let retrying = false;
  let retryingSince: number | undefined;

  const catchUp = async (upTo?: number) => {
    for (;;) {
      if (closed) return;
      const page = await bus.log.read(stream, last, PAGE, upTo);
      if (page.length > 0 && page[0]!.seq !== last + 1) {
        throw appError('EVENT_LOG_TRUNCATED', `Events after ${last} on this stream are no longer kept; start from a fresh read`, { stream, after: last });
      }
      for (const event of page) {
        if (closed) return;
        await deliver(toMessage(event));
      }
      if (page.length < PAGE || (upTo !== undefined && last >= upTo)) break;
    }
    if (upTo !== undefined && last < upTo) {
      throw appError('EVENT_LOG_TRUNCATED', `Events up to ${upTo} on this stream are no longer kept`, { stream, after: last });
    }
  };

  const stop = async () => {
    closed = true;
    if (timer) clearInterval(timer);
    const u = unsubscribe;
    unsubscribe = undefined;
    await u?.();
  };

  const enqueue = (task: () => Promise<void>) => {
    queue = queue.then(async () => {
      if (closed) return;
      try {
        await task();
      } catch (error) {
        if (closed || failed) return;
        // The database went away (a restart, a failover): keep the cursor and read again from it,
        // rather than ending the subscription with an opaque error. A refusal (EVENT_LOG_TRUNCATED,
        // a catalogued code from a filter) still ends it, as does a failure before the start.
        retryingSince ??= Date.now();
        if (positioned && !isAppError(error) && Date.now() - retryingSince < MAX_RETRY_MS) {
          retrying = true;
          options.onTransientError?.(error);
          return;
        }
        failed = true;
        await stop();
        options.onError(error);
      }
    });
  };

  const onLive = async (message: EventMessage) => {
    if (message.seq <= last) return;
    if (message.seq > last + 1) await catchUp(message.seq - 1);
    if (message.seq === last + 1) await deliver(message);
  };

  // Listen first, then read: whatever commits before the read is in the log, whatever commits
  // after it arrives live (or shows up as a gap). The queue is held until the read is queued.
  let started!: () => void;
  const start = new Promise<void>((resolve) => (started = resolve));
  enqueue(async () => {
    try {
      if (options.after === undefined || options.after === null) last = await bus.log.head(stream);
      else last = options.after;
      positioned = true;
    } finally {
      started();
    }
    // The start point is fixed before followStream returns: "from now on" means from then.
    if (options.after !== undefined && options.after !== null) {
      const head = await bus.log.head(stream);
      await catchUp();
      // Nothing was left to replay although the stream moved past the cursor: it was trimmed.
      if (last < head) throw appError('EVENT_LOG_TRUNCATED', `Events after ${options.after} on this stream are no longer kept; start from a fresh read`, { stream, after: options.after });
    }
  });
  unsubscribe = await bus.pubsub.subscribe(channelOf(bus, stream), (message) => enqueue(() => onLive(message)));
  // One timer: a read every pollIntervalMs, and every DEGRADED_POLL_MS while the bus is down.
  const pollEvery = options.pollIntervalMs ?? 0;
  let lastPoll = Date.now();
  let polling = false;
  timer = setInterval(
    () => {
      const now = Date.now();
      if (polling || (bus.pubsub.healthy() && !retrying && !(pollEvery > 0 && now - lastPoll >= pollEvery))) return;
      lastPoll = now;
      polling = true;
      enqueue(async () => {
        try {
          await catchUp();
          retrying = false;
          retryingSince = undefined;
        } finally {
          polling = false;
        }
      });
    },
    pollEvery > 0 ? Math.min(pollEvery, DEGRADED_POLL_MS) : DEGRADED_POLL_MS,
  );
  timer.unref();
  release();
  await start;

  return {
    lastSeq: () => last,
    close: async () => {
      await stop();
      await queue;
    },
  };
}

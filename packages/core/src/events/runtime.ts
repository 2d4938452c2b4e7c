import type { Database } from '../db.js';
import { forgetIdempotencyKeys, IDEMPOTENCY_KEY_RETENTION_HOURS, type IdempotencyKeysTable } from '../idempotency.js';
import type { Logger } from '../log.js';
import type { EventBus } from './bus.js';
import { EventLog } from './log.js';
import { MemoryPubSub, type PubSub } from './pubsub.js';
import type { EventLogTables } from './tables.js';

export interface EventBusSettings {
  /** Fan-out of committed events; shared (Redis) between replicas. Default: in memory, this process only. */
  pubsub?: PubSub | undefined;
  /** Events older than this are trimmed from the log; resuming from before them is refused. Default 24. */
  eventRetentionHours?: number | undefined;
  /** How often a subscription also reads the log, in case a publish was lost and no later event comes. Default 15 s; 0 = never. */
  eventPollIntervalMs?: number | undefined;
}

export interface RunningEventBus {
  bus: EventBus;
  pollIntervalMs: number;
  /** Soft dependencies that are down ('pubsub' while Redis is unreachable): writes and subscriptions go on, delivery falls back to reading the log. */
  degraded(): string[];
  /** Stops the trim and closes the PubSub if this bus created it (a shared one belongs to its owner). */
  close(): Promise<void>;
}

const HOUR_MS = 3_600_000;

/**
 * A subgraph's event machinery (docs/protocols/subscriptions.md): its log over its own tables,
 * the PubSub (its own in-memory one unless given a shared one), and the retention trim (of the
 * log, and of the idempotency keys when the subgraph has them).
 */
export function startEventBus(db: Database, tables: EventLogTables & { idempotencyKeys?: IdempotencyKeysTable }, prefix: string, settings: EventBusSettings, log: Logger): RunningEventBus {
  const retentionMs = (settings.eventRetentionHours ?? 24) * HOUR_MS;
  if (!(retentionMs > 0)) throw new Error('eventRetentionHours must be a positive number');
  const ownPubsub = settings.pubsub ? null : new MemoryPubSub();
  const eventLog = new EventLog(db, tables);
  // Every replica trims; the deletes are idempotent, so they need no coordination.
  let trimming: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      const keys = tables.idempotencyKeys;
      trimming = Promise.all([
        eventLog.trim(new Date(Date.now() - retentionMs)).catch((error: unknown) => log.warn('event log trim failed', { error })),
        keys ? forgetIdempotencyKeys(db, keys, new Date(Date.now() - IDEMPOTENCY_KEY_RETENTION_HOURS * HOUR_MS)).catch((error: unknown) => log.warn('idempotency key trim failed', { error })) : null,
      ]).then(() => undefined);
    },
    Math.min(retentionMs / 4, HOUR_MS),
  );
  timer.unref();
  return {
    bus: { log: eventLog, pubsub: settings.pubsub ?? ownPubsub!, prefix },
    pollIntervalMs: settings.eventPollIntervalMs ?? 15_000,
    degraded: () => ((settings.pubsub ?? ownPubsub!).healthy() ? [] : ['pubsub']),
    close: async () => {
      clearInterval(timer);
      await trimming;
      await ownPubsub?.close();
    },
  };
}

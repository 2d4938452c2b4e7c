import { and, asc, eq, gt, lt, lte, sql } from 'drizzle-orm';
import type { Database } from '../db.js';
import type { EventLogTables } from './tables.js';

export interface NewEvent {
  stream: string;
  type: string;
  organizationId?: string | null;
  payload: Record<string, unknown>;
}

export interface StoredEvent {
  stream: string;
  seq: number;
  type: string;
  organizationId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/**
 * The bounded, per-stream ordered log. `append` must run inside the transaction that makes the
 * change: the upsert on the stream's head row takes a row lock held to commit, so writers of one
 * stream commit in seq order and a reader never sees seq n+1 before n.
 */
export class EventLog {
  constructor(
    private readonly db: Database,
    private readonly tables: EventLogTables,
  ) {}

  async append(tx: Database, event: NewEvent): Promise<StoredEvent> {
    const { eventStreams, events } = this.tables;
    const [head] = await tx
      .insert(eventStreams)
      .values({ stream: event.stream, seq: 1 })
      .onConflictDoUpdate({ target: eventStreams.stream, set: { seq: sql`${eventStreams.seq} + 1` } })
      .returning({ seq: eventStreams.seq });
    const [row] = await tx
      .insert(events)
      .values({ stream: event.stream, seq: head!.seq, type: event.type, organizationId: event.organizationId ?? null, payload: event.payload })
      .returning();
    return toStored(row!);
  }

  /** Events of `stream` after `afterSeq`, oldest first. */
  async read(stream: string, afterSeq: number, limit = 500, upToSeq?: number): Promise<StoredEvent[]> {
    const { events } = this.tables;
    const rows = await this.db
      .select()
      .from(events)
      .where(and(eq(events.stream, stream), gt(events.seq, afterSeq), upToSeq === undefined ? undefined : lte(events.seq, upToSeq)))
      .orderBy(asc(events.seq))
      .limit(limit);
    return rows.map(toStored);
  }

  /** The newest seq of a stream (0 when it has none). */
  async head(stream: string): Promise<number> {
    const [row] = await this.db.select({ seq: this.tables.eventStreams.seq }).from(this.tables.eventStreams).where(eq(this.tables.eventStreams.stream, stream));
    return row?.seq ?? 0;
  }

  /** Deletes events older than `before` (the heads stay, so seqs never restart). */
  async trim(before: Date): Promise<void> {
    await this.db.delete(this.tables.events).where(lt(this.tables.events.createdAt, before));
  }
}

function toStored(row: { stream: string; seq: number; type: string; organizationId: string | null; payload: unknown; createdAt: Date }): StoredEvent {
  return { stream: row.stream, seq: Number(row.seq), type: row.type, organizationId: row.organizationId, payload: row.payload as Record<string, unknown>, createdAt: row.createdAt };
}

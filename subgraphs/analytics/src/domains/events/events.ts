import {
  appError,
  id,
  orderBy,
  paginate,
  parseInput,
  requireRole,
  requireViewer,
  transactionWithEvents,
  z,
  type PageArgs,
  type SortKey,
  type Viewer,
  roleIn,
} from '@organoise/core';
import type { AnalyticsDeps } from '../../context.js';
import { and, count, eq, gte, lt } from 'drizzle-orm';
import { events } from '../../db/schema.js';
import { emitIngested } from './streams.js';

export type EventRow = typeof events.$inferSelect;

export const MAX_BATCH_SIZE = 1000;
export const MAX_PROPERTIES_BYTES = 8 * 1024;
/** Client clocks drift; anything further ahead than this is a bug or a forgery, not drift. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export const eventType = () =>
  z
    .string()
    .min(1, { message: 'must not be empty' })
    .max(100, { message: 'must be at most 100 characters' })
    .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, {
      message: 'must be lower-case dotted words, e.g. workflow.run.started',
    });

const token = (what: string) =>
  z
    .string()
    .min(1, { message: 'must not be empty' })
    .max(128, { message: 'must be at most 128 characters' })
    .regex(/^[A-Za-z0-9._:-]+$/, { message: `${what} may only contain letters, digits and . _ : -` });

export const clientEventId = () => token('an event id');
export const subjectId = () => token('a subject id');

/** Postgres jsonb cannot store U+0000; caught here so it is the client's error, not a server failure. */
function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v));
  return false;
}

const properties = z
  .record(z.string(), z.unknown(), { message: 'must be a JSON object' })
  .refine((value) => !containsNul(value), { message: 'must not contain the character U+0000' })
  .refine((value) => Buffer.byteLength(JSON.stringify(value), 'utf8') <= MAX_PROPERTIES_BYTES, {
    message: `must be at most ${MAX_PROPERTIES_BYTES} bytes as JSON`,
  });

/** Built per call: the future-time limit and the default time are both relative to one `now`. */
export function ingestEventsInput(now: Date) {
  const latest = now.getTime() + MAX_CLOCK_SKEW_MS;
  const event = z.object({
    id: clientEventId(),
    type: eventType(),
    occurredAt: z
      .date({ message: 'must be a DateTime' })
      .refine((d) => d.getTime() <= latest, { message: 'must not be more than 5 minutes in the future' })
      .nullish(),
    actorId: id().nullish(),
    subjectId: subjectId().nullish(),
    properties: properties.nullish(),
  });
  return z.object({
    organizationId: id(),
    events: z
      .array(event)
      .min(1, { message: 'must hold at least one event' })
      .max(MAX_BATCH_SIZE, { message: `must hold at most ${MAX_BATCH_SIZE} events` }),
  });
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

/**
 * Stores a batch idempotently: the whole batch is validated first, then written in one INSERT
 * that skips ids already stored. Re-sending a batch after a timeout is therefore safe and reports
 * every event as a duplicate. A batch that stored anything appends one analytics.ingested event
 * in the same transaction; one that stored nothing changes no count and appends nothing.
 */
export async function ingestEvents({ db, bus, viewer }: Pick<AnalyticsDeps, 'db' | 'bus' | 'viewer'>, rawInput: unknown): Promise<IngestResult> {
  const v = requireViewer(viewer);
  const now = new Date();
  const input = parseInput(ingestEventsInput(now), rawInput);
  requireRole(v, input.organizationId, 'MEMBER');

  // A repeated id inside one batch is the same event sent twice: the first copy wins, like across batches.
  const seen = new Set<string>();
  const rows: (typeof events.$inferInsert)[] = [];
  for (const e of input.events) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    rows.push({
      organizationId: input.organizationId,
      clientId: e.id,
      type: e.type,
      actorId: e.actorId ?? v.userId,
      subjectId: e.subjectId ?? null,
      properties: e.properties ?? {},
      occurredAt: e.occurredAt ?? now,
      receivedAt: now,
    });
  }
  // Concurrent batches sharing ids then take their row locks in the same order and cannot deadlock.
  rows.sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  const inserted = await transactionWithEvents(db, bus, async (tx, emit) => {
    // The activity rollups follow in this statement, from the rows it stored only (a trigger:
    // migrations 0003 and 0005), so they commit or roll back with the events.
    const stored = await tx
      .insert(events)
      .values(rows)
      .onConflictDoNothing({ target: [events.organizationId, events.clientId] })
      .returning({ type: events.type });
    // Appended last: the stream head's row lock is the last lock taken, so it adds no lock cycle.
    if (stored.length > 0) await emitIngested(emit, input.organizationId, stored.map((r) => r.type));
    return stored;
  });
  return { accepted: inserted.length, duplicates: input.events.length - inserted.length };
}

export interface EventFilter {
  type?: string | null;
  actorId?: string | null;
  subjectId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

const EventFilterInput = z
  .object({
    type: eventType().nullish(),
    actorId: id().nullish(),
    subjectId: subjectId().nullish(),
    from: z.date().nullish(),
    to: z.date().nullish(),
  })
  .refine((f) => !f.from || !f.to || f.from < f.to, { message: 'must be after from', path: ['to'] });

/** An organization's events, newest first. `from` is inclusive, `to` exclusive. */
export function listEvents(
  { db, viewer }: Pick<AnalyticsDeps, 'db' | 'viewer'>,
  organizationId: string,
  args: PageArgs & { filter?: EventFilter | null },
) {
  requireRole(viewer, organizationId, 'VIEWER');
  const filter = parseInput(z.object({ filter: EventFilterInput.nullish() }), { filter: args.filter }).filter ?? {};
  const keys: SortKey<EventRow>[] = [
    { column: events.occurredAt, cast: 'timestamptz', direction: 'DESC', value: (r) => r.occurredAt },
    { column: events.clientId, cast: 'text', direction: 'DESC', value: (r) => r.clientId },
  ];
  const where = and(
    eq(events.organizationId, organizationId),
    filter.type ? eq(events.type, filter.type) : undefined,
    filter.actorId ? eq(events.actorId, filter.actorId) : undefined,
    filter.subjectId ? eq(events.subjectId, filter.subjectId) : undefined,
    filter.from ? gte(events.occurredAt, filter.from) : undefined,
    filter.to ? lt(events.occurredAt, filter.to) : undefined,
  );
  return paginate({
    args,
    keys,
    fetch: (after, limit) => db.select().from(events).where(and(where, after)).orderBy(...orderBy(keys)).limit(limit),
    count: async () => (await db.select({ n: count() }).from(events).where(where))[0]?.n ?? 0,
  });
}

/** Entity extensions reached through `_entities` must not confirm another tenant's organization. */
export const visibleOrganization = (viewer: Viewer | null, organizationId: string) =>
  roleIn(viewer, organizationId) ? { id: organizationId } : null;

export const badInput = (path: string, message: string) =>
  appError('BAD_USER_INPUT', `Invalid input: ${path}: ${message}`, { issues: [{ path, message }] });

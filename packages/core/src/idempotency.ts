import { createHash } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import { index, primaryKey, text, timestamp, type PgSchema } from 'drizzle-orm/pg-core';
import type { Database } from './db.js';
import { appError } from './errors.js';
import { API_KEY_SESSION_PREFIX, type Viewer } from './identity.js';
import { z } from './validation.js';

/**
 * Idempotency keys for create-type mutations (docs/protocols/idempotency.md). A client that
 * was told a write's outcome is unknown (OUTCOME_UNKNOWN: a timeout, a dropped connection)
 * retries with the same key: the write happens at most once, and the retry answers with what the
 * first attempt created. The key is recorded in the write's own transaction, so either both
 * commit or neither does.
 */
export function idempotencyKeysTable(schema: PgSchema) {
  return schema.table(
    'idempotency_keys',
    {
      /** Whose key: `user:<id>` or `apikey:<id>`; one caller's keys never meet another's. */
      scope: text('scope').notNull(),
      key: text('key').notNull(),
      /** The mutation, and a hash of its input without the key: a key reused for anything else is refused. */
      operation: text('operation').notNull(),
      requestHash: text('request_hash').notNull(),
      /** The id of what the first attempt created. */
      resultId: text('result_id'),
      createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.scope, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
  );
}

export type IdempotencyKeysTable = ReturnType<typeof idempotencyKeysTable>;

/** How long a key is remembered: a retry after this is a new write. */
export const IDEMPOTENCY_KEY_RETENTION_HOURS = 24;

/** The input field every create-type mutation takes: 8 to 200 printable ASCII characters (a UUID is the usual choice). */
export const idempotencyKey = () =>
  z
    .string()
    .min(8, { message: 'must be at least 8 characters' })
    .max(200, { message: 'must be at most 200 characters' })
    .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' })
    .nullish()
    .transform((value) => value ?? null);

export type Once<T> = { created: T } | { replayedId: string };

/**
 * Runs `create` inside `tx` at most once for (viewer, key): the first call records the key with
 * the id of what `create` returned; a later call with the same key and the same input answers
 * `{ replayedId }` without running it (the caller reads that object back, through the same access
 * checks); the same key with another input or mutation is IDEMPOTENCY_KEY_REUSED. Without a key,
 * `create` just runs. Two attempts racing with one key: the second waits on the first's row lock
 * (Postgres) and then replays its result, or runs if the first rolled back.
 */
export async function once<T extends { id: string }>(
  tx: Database,
  table: IdempotencyKeysTable,
  request: { viewer: Viewer; key: string | null | undefined; operation: string; input: unknown },
  create: () => Promise<T>,
): Promise<Once<T>> {
  if (!request.key) return { created: await create() };
  const { viewer, key, operation } = request;
  const scope = viewer.sessionId.startsWith(API_KEY_SESSION_PREFIX) ? `apikey:${viewer.userId}` : `user:${viewer.userId}`;
  const requestHash = createHash('sha256').update(operation).update('\0').update(stableJson(request.input)).digest('hex');
  const where = and(eq(table.scope, scope), eq(table.key, key));
  const inserted = await tx.insert(table).values({ scope, key, operation, requestHash }).onConflictDoNothing().returning({ key: table.key });
  if (inserted.length === 0) {
    const [row] = await tx.select().from(table).where(where);
    if (!row || row.operation !== operation || row.requestHash !== requestHash || !row.resultId) {
      throw appError('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was already used for another request; use a new key for a new write', { idempotencyKey: key });
    }
    return { replayedId: row.resultId };
  }
  const created = await create();
  await tx.update(table).set({ resultId: created.id }).where(where);
  return { created };
}

/**
 * Forgets the keys recorded before `before`; how many. Run by the subgraph's retention timer
 * (startEventBus), never inside a write: a large delete would hold up the write that happened to
 * run it. Every replica runs it; the delete is idempotent.
 */
export async function forgetIdempotencyKeys(db: Database, table: IdempotencyKeysTable, before: Date): Promise<number> {
  const gone = await db.delete(table).where(lt(table.createdAt, before)).returning({ key: table.key });
  return gone.length;
}

/** JSON with object keys sorted, so that the same input always hashes the same. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

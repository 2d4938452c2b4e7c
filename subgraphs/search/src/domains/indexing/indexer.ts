import { randomUUID } from 'node:crypto';
import { type Database, type Logger, type SearchChangesResponse } from '@organoise/core';
import { and, eq, sql } from 'drizzle-orm';
import { cursors, indexerLease } from '../../db/schema.js';
import { PostgresSearchIndex } from '../../engine/postgres.js';
import type { SearchIndex } from '../../engine/search-index.js';
import { sourceClient, SourceVersionError, type SearchSourceEndpoint, type SourceClient } from './sources.js';

/**
 * The indexer (docs/protocols/search.md#the-indexer): one loop per replica, of which only the one
 * holding the lease writes. Each pass asks every source which of its streams were written since
 * its last token (protocol version 2; an idle pass is that one small call), asks the changes of
 * those after the cursors it keeps in memory (read once per lease), applies them to the index and
 * then stores the cursors the source answered with (in the same transaction when the index is this
 * database), again while the source says `more`. A source of version 1 is asked with every
 * cursor. A source that fails is skipped with a growing delay; the others go on. A source with no
 * stored cursor is rebuilt from its documents pages first.
 */

/** Stored for a source once it has been rebuilt, so a source whose log is still empty is not rebuilt again. */
export const REBUILT_STREAM = '*';
export const DEFAULT_CHANGES_LIMIT = 500;
export const DEFAULT_DOCUMENTS_LIMIT = 500;
export const DEFAULT_LEASE_MS = 15_000;
export const MAX_BACKOFF_MS = 30_000;
/** A source that answered a version 2 route with 404 is asked with version 1 for this long, then again with 2. */
export const VERSION_1_RETRY_MS = 60_000;

export interface IndexerOptions {
  db: Database;
  index: SearchIndex;
  sources: readonly SearchSourceEndpoint[];
  internalTokenSecret: string;
  log: Logger;
  /** Between passes (SEARCH_POLL_INTERVAL_MS). */
  pollIntervalMs: number;
  /** How long a holder's lease lasts unrenewed: a replica that died is replaced after this. */
  leaseMs?: number;
  /** This replica's name in the lease row (default: random). */
  holder?: string;
  changesLimit?: number;
  sourceTimeoutMs?: number;
}

export interface RunningIndexer {
  /** Whether this replica holds the lease (it indexes) or stands by. */
  readonly active: boolean;
  /** Resolves after the next full pass over every source has ended (tests wait on it, never on time). */
  nextPass(): Promise<void>;
  /**
   * Stops indexing after the pass in flight (the lease is kept while paused, and lapses if the
   * pause is longer): tests that count a subgraph's queries pause the indexer, whose polls of the
   * sources would be counted too.
   */
  pause(): Promise<void>;
  resume(): void;
  /** Ends the loop after the pass in flight and gives the lease up, so a standby takes over at once. */
  stop(): Promise<void>;
}

class LeaseLostError extends Error {}

/** The stored cursors of one source (without REBUILT_STREAM); null when it was never indexed. */
export async function storedCursors(db: Database, source: string): Promise<Record<string, number> | null> {
  const rows = await db.select().from(cursors).where(eq(cursors.source, source));
  if (rows.length === 0) return null;
  return Object.fromEntries(rows.filter((r) => r.stream !== REBUILT_STREAM).map((r) => [r.stream, r.seq]));
}

/**
 * Stores a source's cursors as it answered them and marks the source rebuilt. As answered, even
 * backwards: a source whose log was reset answers a resync and its new heads, which must replace
 * the old ones (a greater stored seq would be past its head, and resynced again at every pass).
 */
export async function storeCursors(db: Database, source: string, values: Record<string, number>): Promise<void> {
  const rows = [{ source, stream: REBUILT_STREAM, seq: 0 }, ...Object.entries(values).map(([stream, seq]) => ({ source, stream, seq }))];
  await db
    .insert(cursors)
    .values(rows)
    .onConflictDoUpdate({ target: [cursors.source, cursors.stream], set: { seq: sql`excluded.seq` } });
}

/**
 * Applies one answer: upserts, then deletes, then each resynced scope keeps only what the answer
 * upserted in it. Every step is idempotent: an answer applied twice leaves the same index.
 */
export async function applyChanges(index: SearchIndex, changes: Pick<SearchChangesResponse, 'upserts' | 'deletes' | 'resync'>): Promise<void> {
  await index.upsert(changes.upserts);
  await index.remove(changes.deletes);
  for (const scope of changes.resync) {
    const keep = changes.upserts.filter((d) => d.organizationId === scope.organizationId && scope.types.includes(d.type)).map((d) => d.id);
    await index.retainOnly(scope, keep);
  }
}

/** Runs `apply` and stores `values` as `source`'s cursors: in one transaction when the index is this database. */
async function writeAndStore(
  db: Database,
  index: SearchIndex,
  source: string,
  values: Record<string, number>,
  apply: (index: SearchIndex) => Promise<void>,
  fence: (db: Database) => Promise<void>,
): Promise<void> {
  if (index instanceof PostgresSearchIndex) {
    await index.transaction(async (txIndex, tx) => {
      await fence(tx);
      await apply(txIndex);
      await storeCursors(tx, source, values);
    });
    return;
  }
  await apply(index);
  await db.transaction(async (tx) => {
    await fence(tx as unknown as Database);
    await storeCursors(tx as unknown as Database, source, values);
  });
}

/**
 * Every current document of `source`, page by page, then its cursors (the heads its first page
 * gave). Changes made meanwhile come after those heads, so the next pass applies them.
 */
export async function rebuildSource(
  db: Database,
  index: SearchIndex,
  client: SourceClient,
  options: { limit?: number; fence?: (db: Database) => Promise<void> } = {},
): Promise<{ documents: number }> {
  let after: string | null = null;
  let heads: Record<string, number> | undefined;
  let documents = 0;
  for (;;) {
    const page = await client.documents({ after, limit: options.limit ?? DEFAULT_DOCUMENTS_LIMIT });
    if (after === null) heads = page.cursors ?? {};
    await index.upsert(page.documents);
    documents += page.documents.length;
    if (!page.next) break;
    after = page.next;
  }
  await writeAndStore(db, index, client.name, heads ?? {}, async () => {}, options.fence ?? (async () => {}));
  return { documents };
}

export function startIndexer(options: IndexerOptions): RunningIndexer {
  const { db, index, log } = options;
  const holder = options.holder ?? randomUUID();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const clients = options.sources.map((s) => sourceClient(s, options.internalTokenSecret, options.sourceTimeoutMs));
  const backoff = new Map<string, { until: number; delay: number; failures: number }>();
  let active = false;
  let stopping = false;
  let paused = false;
  let leaseRenewedAt = 0;
  let waiters: Array<() => void> = [];
  let wake: (() => void) | null = null;
  /**
   * Per source, while this replica holds the lease: its cursors as stored (read once per tenure,
   * then kept as each write stores them) and its version 2 token. Dropped on any failure (a failed
   * write leaves the database as it was, so the next pass reads it again) and whenever the lease
   * is taken or may have changed hands; never updated before its write committed.
   */
  const followed = new Map<string, { cursors: Record<string, number>; token: string | null }>();
  const version1Until = new Map<string, number>();

  const acquire = async (): Promise<boolean> => {
    // `kept`: this replica held the lease, unexpired, right before (one statement: the CTE reads the
    // row as it was). Otherwise the lease was taken now (a first start, after a takeover, after a
    // reindex gave it up, after it lapsed): another writer may have stored cursors meanwhile.
    const result = await db.execute(sql`
      with prev as (select holder, expires_at from search.indexer_lease where id = 1)
      insert into search.indexer_lease as l (id, holder, expires_at) values (1, ${holder}, now() + ${leaseMs} * interval '1 millisecond')
      on conflict (id) do update set holder = excluded.holder, expires_at = excluded.expires_at
      where l.holder = excluded.holder or l.expires_at < now()
      returning holder, coalesce((select p.holder = ${holder} and p.expires_at >= now() from prev as p), false) as kept`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{ kept: boolean }>;
    const held = rows.length > 0;
    if (!held || !rows[0]!.kept) followed.clear();
    if (held !== active) log.info(held ? 'search indexer: this replica indexes' : 'search indexer: another replica indexes; standing by', { holder });
    active = held;
    if (held) leaseRenewedAt = Date.now();
    return held;
  };
  // In the transaction of each cursor write: only the holder stores cursors, and it renews the lease.
  const fence = async (tx: Database) => {
    const renewed = await tx
      .update(indexerLease)
      .set({ expiresAt: sql`now() + ${leaseMs} * interval '1 millisecond'` })
      .where(and(eq(indexerLease.id, 1), eq(indexerLease.holder, holder)))
      .returning({ holder: indexerLease.holder });
    if (renewed.length === 0) throw new LeaseLostError('the indexer lease was taken over');
  };

  /** Applies one answer and stores the cursors that moved; `at` then holds them. */
  const applyAnswer = async (client: SourceClient, at: Record<string, number>, changes: SearchChangesResponse) => {
    // Only the streams that moved are written: an idle pass wrote every stream's row of every
    // organization again, and opened a transaction for nothing.
    const moved = Object.fromEntries(Object.entries(changes.cursors).filter(([stream, seq]) => at[stream] !== seq));
    const empty = changes.upserts.length === 0 && changes.deletes.length === 0 && changes.resync.length === 0;
    if (!empty || Object.keys(moved).length > 0) {
      await writeAndStore(db, index, client.name, moved, (target) => applyChanges(target, changes), fence);
    }
    Object.assign(at, changes.cursors);
  };

  /** Version 1: one changes call naming every cursor, again while `more`. */
  const followVersion1 = async (client: SourceClient, state: { cursors: Record<string, number> }) => {
    for (let more = true; more && !stopping; ) {
      const changes = await client.changes({ cursors: state.cursors, limit: options.changesLimit ?? DEFAULT_CHANGES_LIMIT });
      await applyAnswer(client, state.cursors, changes);
      more = changes.more;
    }
  };

  /**
   * Version 2: the heads written since the token (an idle pass: this call alone, of constant size),
   * then the named changes of the streams whose head is not the stored cursor, again while `more`.
   * The token is kept once they are applied: every write its read saw is then in the index.
   */
  const followVersion2 = async (client: SourceClient, state: { cursors: Record<string, number>; token: string | null }) => {
    const polled = await client.heads({ since: state.token });
    const behind = Object.entries(polled.heads).filter(([stream, head]) => state.cursors[stream] !== head);
    if (behind.length > 0) {
      const named: Record<string, number> = Object.fromEntries(behind.map(([stream]) => [stream, state.cursors[stream] ?? 0]));
      for (let more = true; more; ) {
        if (stopping) return;
        const changes = await client.namedChanges({ cursors: named, limit: options.changesLimit ?? DEFAULT_CHANGES_LIMIT });
        await applyAnswer(client, state.cursors, changes);
        for (const stream of Object.keys(named)) named[stream] = state.cursors[stream] ?? named[stream]!;
        more = changes.more;
      }
    }
    state.token = polled.token;
  };

  const followSource = async (client: SourceClient) => {
    const state = backoff.get(client.name);
    if (state && Date.now() < state.until) return;
    try {
      let memory = followed.get(client.name);
      if (!memory) {
        let stored = await storedCursors(db, client.name);
        if (stored === null) {
          const { documents } = await rebuildSource(db, index, client, { fence });
          log.info('search indexer: source rebuilt from its documents', { source: client.name, documents });
          stored = await storedCursors(db, client.name);
        }
        memory = { cursors: stored ?? {}, token: null };
        followed.set(client.name, memory);
      }
      if ((version1Until.get(client.name) ?? 0) > Date.now()) await followVersion1(client, memory);
      else {
        try {
          await followVersion2(client, memory);
        } catch (error) {
          if (!(error instanceof SourceVersionError)) throw error;
          log.info('search indexer: source answers version 1 only; asking it so', { source: client.name, retryInMs: VERSION_1_RETRY_MS });
          version1Until.set(client.name, Date.now() + VERSION_1_RETRY_MS);
          memory.token = null;
          await followVersion1(client, memory);
        }
      }
      if (state) log.info('search indexer: source answers again', { source: client.name, failures: state.failures });
      backoff.delete(client.name);
    } catch (error) {
      followed.delete(client.name);
      if (error instanceof LeaseLostError) throw error;
      const failures = (state?.failures ?? 0) + 1;
      const delay = Math.min(MAX_BACKOFF_MS, Math.max(options.pollIntervalMs, 250) * 2 ** Math.min(failures, 10));
      backoff.set(client.name, { until: Date.now() + delay, delay, failures });
      const fields = { source: client.name, failures, retryInMs: delay, error };
      if (failures === 1 || failures % 20 === 0) log.warn('search indexer: source failed; backing off', fields);
      else log.debug('search indexer: source failed; backing off', fields);
    }
  };

  const pass = async () => {
    if (!active || Date.now() - leaseRenewedAt > leaseMs / 3) await acquire();
    if (!active) return;
    for (const client of clients) {
      if (stopping) return;
      await followSource(client);
    }
  };

  const loop = (async () => {
    while (!stopping) {
      try {
        if (!paused) await pass();
      } catch (error) {
        if (error instanceof LeaseLostError) {
          log.warn('search indexer: lease lost to another replica; standing by', { holder });
          active = false;
          followed.clear();
        } else log.error('search indexer: pass failed', { error });
      }
      const done = waiters;
      waiters = [];
      for (const resolve of done) resolve();
      if (stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  })();

  return {
    get active() {
      return active;
    },
    nextPass: () =>
      new Promise<void>((resolve) => {
        // Two ends: the pass in flight may have started before the caller's change.
        let seen = 0;
        const onEnd = () => (++seen === 2 ? resolve() : waiters.push(onEnd));
        waiters.push(onEnd);
        wake?.();
      }),
    pause: () =>
      new Promise<void>((resolve) => {
        paused = true;
        waiters.push(resolve);
        wake?.();
      }),
    resume() {
      paused = false;
      wake?.();
    },
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      for (const resolve of waiters) resolve();
      waiters = [];
      if (active) {
        await db.delete(indexerLease).where(and(eq(indexerLease.id, 1), eq(indexerLease.holder, holder))).catch((error: unknown) => log.warn('search indexer: could not give the lease up', { error }));
        active = false;
      }
    },
  };
}

export interface ReindexOptions {
  db: Database;
  index: SearchIndex;
  sources: readonly SearchSourceEndpoint[];
  internalTokenSecret: string;
  log: Logger;
  sourceTimeoutMs?: number;
}

/**
 * `npm run reindex`: the index rebuilt from every source's documents pages. It takes the indexer
 * lease over (a running indexer's next cursor write fails its fence and it stands by), clears the
 * index and every cursor, indexes each source's pages and stores the heads of its first page, then
 * gives the lease up: the replicas' indexer resumes from those cursors. A source that fails stops
 * the reindex; that source has no cursors then, so the indexer rebuilds it once it answers.
 */
export async function reindex(options: ReindexOptions): Promise<Record<string, number>> {
  const { db, index, log } = options;
  const holder = `reindex:${randomUUID()}`;
  const leaseMs = DEFAULT_LEASE_MS;
  const take = () =>
    db.execute(sql`
      insert into search.indexer_lease as l (id, holder, expires_at) values (1, ${holder}, now() + ${leaseMs} * interval '1 millisecond')
      on conflict (id) do update set holder = excluded.holder, expires_at = excluded.expires_at`);
  await take();
  // Renewed while the pages are read (a reindex of a large platform takes longer than one lease).
  const renew = setInterval(() => void take().catch((error: unknown) => log.warn('reindex: could not renew the lease', { error })), leaseMs / 3);
  const fence = async (tx: Database) => {
    const held = await tx.select().from(indexerLease).where(and(eq(indexerLease.id, 1), eq(indexerLease.holder, holder)));
    if (held.length === 0) throw new LeaseLostError('the indexer lease was taken over during the reindex');
  };
  try {
    if (index instanceof PostgresSearchIndex) {
      await index.transaction(async (txIndex, tx) => {
        await txIndex.clear();
        await tx.delete(cursors);
      });
    } else {
      await db.delete(cursors);
      await index.clear();
    }
    const counts: Record<string, number> = {};
    for (const source of options.sources) {
      const { documents } = await rebuildSource(db, index, sourceClient(source, options.internalTokenSecret, options.sourceTimeoutMs), { fence });
      counts[source.name] = documents;
      log.info('reindex: source indexed', { source: source.name, documents });
    }
    return counts;
  } finally {
    clearInterval(renew);
    await db.delete(indexerLease).where(and(eq(indexerLease.id, 1), eq(indexerLease.holder, holder)));
  }
}

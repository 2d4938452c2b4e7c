import { appError, watchJobQueue, type Database, type Logger } from '@organoise/core';
import { sql } from 'drizzle-orm';
import { fromDrizzle, fromPglite, PgBoss, type JobWithMetadata, type QueueOptions } from 'pg-boss';

/**
 * The durable job queue processing runs on: pg-boss, in the `files_jobs` schema of the file
 * subgraph's own database (docs/decisions/0013-file-processing-jobs.md). On Postgres pg-boss
 * keeps its own small pool (node-postgres) to the same URL; on the embedded default it runs over
 * the subgraph's PGlite instance through pg-boss's own PGlite adapter. A job is inserted in the
 * transaction of the change that calls for it (fromDrizzle over that transaction), so a
 * committed upload always has its job and a rolled-back one never does.
 */
export const PROCESSING_QUEUE = 'file-processing';
/** Where a job goes after its last failed try (kept PROCESSING_DEAD_RETENTION_DAYS). */
export const PROCESSING_DEAD_LETTER_QUEUE = 'file-processing-dead';
export const JOBS_SCHEMA = 'files_jobs';

export interface ProcessingJobData {
  fileId: string;
  version: number;
}
export type ProcessingJob = JobWithMetadata<ProcessingJobData>;

export interface ProcessingConfig {
  /** Jobs this instance runs at once; 0 = this instance only enqueues (another one works). */
  concurrency: number;
  /** Tries in all before a job is dead-lettered (at least 1). */
  maxAttempts: number;
  /** The first retry waits about this long, each next one about twice as long (pg-boss's backoff, with jitter). */
  retryDelaySeconds: number;
  retryDelayMaxSeconds: number;
  /** A try still running after this long (a crashed or stuck worker) is failed and retried. */
  timeoutSeconds: number;
  /** Bigger files are only sniffed (from their first bytes): no text or thumbnail. */
  maxBytes: number;
  /** Extracted text kept for search, in characters (textLength counts it all). */
  textMaxChars: number;
  /** How often an idle worker looks for jobs. */
  pollingIntervalSeconds: number;
  /** How often pg-boss looks for expired tries and applies retention (its supervision). */
  superviseIntervalSeconds: number;
  /** How long dead-lettered jobs are kept, in days. */
  deadLetterRetentionDays: number;
  /** Graceful stop: how long running jobs get to finish before they are failed (and so retried). */
  stopTimeoutMs: number;
  /**
   * Test seam, never set in production: awaited at the start of each try, so a test can hold a
   * job in the middle while it restarts the subgraph.
   */
  beforeTry?: (job: ProcessingJob) => Promise<void>;
}

export const DEFAULT_PROCESSING_CONFIG: ProcessingConfig = {
  concurrency: 2,
  maxAttempts: 5,
  retryDelaySeconds: 5,
  retryDelayMaxSeconds: 600,
  timeoutSeconds: 300,
  maxBytes: 64 * 1024 * 1024,
  textMaxChars: 1_000_000,
  pollingIntervalSeconds: 2,
  superviseIntervalSeconds: 60,
  deadLetterRetentionDays: 14,
  stopTimeoutMs: 10_000,
};

export interface JobQueue {
  boss: PgBoss;
  config: ProcessingConfig;
  /**
   * Inserts one processing job inside `tx` (the caller's transaction); answers its id. When the
   * queue does not take it: SUBGRAPH_UNAVAILABLE, and the caller's transaction rolls back whole.
   */
  enqueue(tx: Database, data: ProcessingJobData): Promise<string>;
  /** Runs `handler` for each job (a throw fails the try: retried, then dead-lettered). No-op when concurrency is 0. */
  work(handler: (job: ProcessingJob) => Promise<void>): Promise<void>;
  /** Stops taking jobs, lets running ones finish (up to stopTimeoutMs; the rest are failed and retried later), closes pg-boss's pool. */
  stop(): Promise<void>;
}

/** Opens pg-boss on the subgraph's database (installing or migrating its schema) and makes sure both queues exist with `config`'s policy. */
export async function openJobQueue(input: { db: Database; url: string | undefined; log: Logger; config: ProcessingConfig }): Promise<JobQueue> {
  const { db, url, log, config } = input;
  // The monitor refreshes the queue counts organoise_job_queue_jobs reads: on the supervisor's cadence.
  const common = { schema: JOBS_SCHEMA, superviseIntervalSeconds: config.superviseIntervalSeconds, monitorIntervalSeconds: config.superviseIntervalSeconds, application_name: 'organoise-file-jobs' };
  const boss = url
    ? new PgBoss({ ...common, connectionString: url, max: Math.max(2, config.concurrency + 1) })
    : // drizzle's PGlite database carries its client as $client: the one connection everything shares.
      new PgBoss({ ...common, db: fromPglite((db as unknown as { $client: Parameters<typeof fromPglite>[0] }).$client), backend: 'pglite' });
  // Without a listener an 'error' event would throw; pg-boss retries its own maintenance.
  boss.on('error', (error) => log.warn('job queue error', { error }));
  await boss.start();
  const queue: QueueOptions = {
    retryLimit: config.maxAttempts - 1,
    retryDelay: config.retryDelaySeconds,
    retryBackoff: true,
    retryDelayMax: config.retryDelayMaxSeconds,
    expireInSeconds: config.timeoutSeconds,
    deleteAfterSeconds: 7 * 24 * 3600,
  };
  await ensureQueue(boss, PROCESSING_DEAD_LETTER_QUEUE, { retentionSeconds: config.deadLetterRetentionDays * 24 * 3600, deleteAfterSeconds: config.deadLetterRetentionDays * 24 * 3600 });
  await ensureQueue(boss, PROCESSING_QUEUE, { ...queue, deadLetter: PROCESSING_DEAD_LETTER_QUEUE });
  // Queue depth for Prometheus (organoise_job_queue_jobs): pg-boss keeps these counts on its queue
  // rows, refreshed by its monitor (every superviseIntervalSeconds), so a scrape costs one small read.
  const unwatch = watchJobQueue({
    service: 'file',
    counts: async () => {
      const rows = await Promise.all([PROCESSING_QUEUE, PROCESSING_DEAD_LETTER_QUEUE].map((name) => boss.getQueue(name)));
      return rows.flatMap((row) =>
        row
          ? (['ready', 'deferred', 'active', 'failed'] as const).map((state) => ({ queue: row.name, state, jobs: row[`${state}Count`] }))
          : [],
      );
    },
  });
  let working = false;
  return {
    boss,
    config,
    enqueue: async (tx, data) => {
      // Inside the caller's transaction. pg-boss already knows the queue (ensureQueue cached it),
      // so this is the one INSERT: on PGlite nothing else may run until that transaction ends.
      let id: string | null;
      try {
        id = await boss.send(PROCESSING_QUEUE, data, { db: fromDrizzle(tx as never, sql as never) });
      } catch (error) {
        // The queue's table is missing, locked out or refused the row: the write that needed the
        // job rolls back with it (nothing was saved), so the client may simply retry later.
        log.warn('the job queue did not take a processing job', { fileId: data.fileId, error });
        throw queueUnavailable();
      }
      if (!id) throw queueUnavailable();
      return id;
    },
    work: async (handler) => {
      if (config.concurrency === 0 || working) return;
      working = true;
      const options = { batchSize: 1, localConcurrency: config.concurrency, pollingIntervalSeconds: config.pollingIntervalSeconds, includeMetadata: true } as const;
      await boss.work<ProcessingJobData, void, typeof options>(PROCESSING_QUEUE, options, async ([job]) => {
        if (job) await handler(job);
      });
    },
    stop: () => {
      unwatch();
      return boss.stop({ graceful: true, timeout: config.stopTimeoutMs });
    },
  };
}

const queueUnavailable = () =>
  appError('SUBGRAPH_UNAVAILABLE', 'The file service could not queue the processing of this file: nothing was saved; retry later', { reason: 'job-queue' });

/** Creates the queue, or brings an existing one to these settings (they come from the environment, and may change between deploys). */
async function ensureQueue(boss: PgBoss, name: string, options: QueueOptions & { deadLetter?: string }): Promise<void> {
  if (await boss.getQueue(name)) {
    await boss.updateQueue(name, options);
    return;
  }
  try {
    await boss.createQueue(name, options);
  } catch (error) {
    // Another instance created it first.
    if (!(await boss.getQueue(name))) throw error;
    await boss.updateQueue(name, options);
  }
}

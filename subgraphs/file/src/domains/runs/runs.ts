import { roleIn, byIdLoader, groupedLoader, isUuid, orderBy as orderByKeys, pageSize, paginate, type Connection, type Database, type PageArgs, type SortKey, type Viewer } from '@organoise/core';
import { and, count, eq, isNull, lte, or, sql, getTableColumns, type SQL } from 'drizzle-orm';
import { files } from '../../db/schema.js';
import type { FileRow } from '../files/files.js';

/** What the gateway sends for a run: its id plus the organization the workflow subgraph says it belongs to. */
export interface WorkflowRunRef {
  id: string;
  organization?: { id?: string | null } | null;
}

/** A run's files in upload order. */
const RUN_FILE_KEYS: SortKey<FileRow>[] = [
  { column: files.createdAt, cast: 'timestamptz', direction: 'ASC', value: (r) => r.createdAt },
  { column: files.id, cast: 'uuid', direction: 'ASC', value: (r) => r.id },
];

// A run is addressed by its id and its organization together: a file only shows under a run when
// both match, so a file attached to another tenant's run id never shows up there.
const runKey = (runId: string, organizationId: string) => `${runId}:${organizationId}`;
const splitKey = (key: string) => {
  const [runId, organizationId] = key.split(':') as [string, string];
  return { runId, organizationId };
};
const rowKey = (row: FileRow) => runKey(row.workflowRunId!, row.organizationId);

/** Files attached to these runs, deleted ones left out. */
function matchingRuns(keys: readonly string[]): SQL {
  return and(isNull(files.deletedAt), or(
    ...keys.map((key) => {
      const { runId, organizationId } = splitKey(key);
      return and(eq(files.workflowRunId, runId), eq(files.organizationId, organizationId))!;
    }),
  ))!;
}

/**
 * Per-request loaders for run files. Runs asked for with the same page arguments share one
 * query: a window function numbers each run's files and keeps `limit` of each.
 */
export function createRunFileLoaders(db: Database) {
  const pages = new Map<string, ReturnType<typeof groupedLoader<FileRow>>>();
  const counts = byIdLoader(
    async (keys) =>
      db
        .select({ workflowRunId: files.workflowRunId, organizationId: files.organizationId, n: count() })
        .from(files)
        .where(matchingRuns(keys))
        .groupBy(files.workflowRunId, files.organizationId),
    (r) => runKey(r.workflowRunId!, r.organizationId),
  );
  return {
    /** `signature` identifies the page arguments; `after` and `limit` are the same for every caller sharing it. */
    page(signature: string, after: SQL | undefined, limit: number) {
      let loader = pages.get(signature);
      if (!loader) {
        loader = groupedLoader(async (keys) => {
          const ranked = db
            .select({
              ...getTableColumns(files),
              rank: sql<number>`row_number() over (partition by ${files.workflowRunId}, ${files.organizationId} order by ${sql.join(orderByKeys(RUN_FILE_KEYS), sql`, `)})`.as('rank'),
            })
            .from(files)
            .where(and(matchingRuns(keys), after))
            .as('ranked');
          const rows = await db.select().from(ranked).where(lte(ranked.rank, limit)).orderBy(ranked.rank);
          return rows.map(({ rank: _rank, ...row }) => row as FileRow);
        }, rowKey);
        pages.set(signature, loader);
      }
      return loader;
    },
    counts,
  };
}

export type RunFileLoaders = ReturnType<typeof createRunFileLoaders>;

function emptyConnection<Node>(args: PageArgs): Connection<Node> {
  pageSize(args);
  return {
    edges: [],
    nodes: [],
    pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    totalCount: async () => 0,
  };
}

/**
 * `WorkflowRun.files`: the files attached to the run in the organization the workflow subgraph
 * reports for it. A caller who is not a member of that organization gets an empty list, as
 * does a reference that is not well-formed.
 */
export function listRunFiles({ loaders: { runFiles: loaders }, viewer }: { loaders: { runFiles: RunFileLoaders }; viewer: Viewer | null }, run: WorkflowRunRef, args: PageArgs): Promise<Connection<FileRow>> | Connection<FileRow> {
  const organizationId = run.organization?.id;
  if (!viewer || !organizationId || !isUuid(run.id) || !isUuid(organizationId) || !roleIn(viewer, organizationId)) {
    return emptyConnection(args);
  }
  const key = runKey(run.id, organizationId);
  const signature = JSON.stringify([args.first ?? null, args.after ?? null]);
  return paginate({
    args,
    keys: RUN_FILE_KEYS,
    fetch: (after, limit) => loaders.page(signature, after, limit).load(key),
    count: async () => (await loaders.counts.load(key))?.n ?? 0,
  });
}

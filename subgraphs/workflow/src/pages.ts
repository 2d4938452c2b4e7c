import { byIdLoader, groupedLoader, orderBy, paginate, type Connection, type Database, type PageArgs, type SortKey } from '@organoise/core';
import { and, count, eq, getTableColumns, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';

/** One list hanging off a parent object (the runs of a definition, the history of a run...). */
export interface PerParentList<Row> {
  /** Names the list and its filter: first pages with the same signature are fetched together. */
  signature: string;
  table: PgTable;
  parent: AnyPgColumn;
  parentId: string;
  /** Filter besides the parent. */
  where?: SQL | undefined;
  keys: SortKey<Row>[];
}

type AnyRow = Record<string, unknown>;

/**
 * Pages of per-parent lists for one request. Listing many parents with a nested connection each
 * would otherwise cost a query per parent: first pages (the common case) are batched into one
 * window query per list shape, and counts into one grouped query. A page after a cursor belongs
 * to a single parent and is fetched on its own.
 */
export function createPageLoaders(db: Database) {
  const firstPages = new Map<string, ReturnType<typeof groupedLoader<AnyRow>>>();
  const counts = new Map<string, ReturnType<typeof byIdLoader<{ parentId: string; n: number }>>>();

  return function page<Row>(list: PerParentList<Row>, args: PageArgs): Promise<Connection<Row>> {
    const parentKey = propertyOf(list.table, list.parent);
    return paginate<Row>({
      args,
      keys: list.keys,
      fetch: async (after, limit) => {
        if (after) {
          const rows = await db
            .select()
            .from(list.table)
            .where(and(eq(list.parent, list.parentId), list.where, after))
            .orderBy(...orderBy(list.keys))
            .limit(limit);
          return rows as Row[];
        }
        const signature = `${list.signature}\u0000${limit}`;
        let loader = firstPages.get(signature);
        if (!loader) {
          loader = groupedLoader<AnyRow>(async (parentIds) => {
            const window = sql`row_number() over (partition by ${list.parent} order by ${sql.join(orderBy(list.keys), sql`, `)})`;
            const ranked = db
              .select({ ...getTableColumns(list.table), pageRank: window.as('page_rank') })
              .from(list.table)
              .where(and(inArray(list.parent, [...parentIds]), list.where))
              .as('ranked');
            const rows = await db
              .select()
              .from(ranked)
              .where(lte(ranked.pageRank, limit))
              .orderBy(ranked.pageRank);
            return rows as AnyRow[];
          }, (row) => String(row[parentKey]));
          firstPages.set(signature, loader);
        }
        return (await loader.load(list.parentId)) as Row[];
      },
      count: async () => {
        let loader = counts.get(list.signature);
        if (!loader) {
          loader = byIdLoader(
            (parentIds) =>
              db
                .select({ parentId: sql<string>`${list.parent}::text`, n: count() })
                .from(list.table)
                .where(and(inArray(list.parent, [...parentIds]), list.where))
                .groupBy(list.parent),
            (row) => row.parentId,
          );
          counts.set(list.signature, loader);
        }
        return (await loader.load(list.parentId))?.n ?? 0;
      },
    });
  };
}

export type PageLoader = ReturnType<typeof createPageLoaders>;

function propertyOf(table: PgTable, column: AnyPgColumn): string {
  const entry = Object.entries(getTableColumns(table)).find(([, c]) => c === column);
  if (!entry) throw new Error(`column ${column.name} is not in the table of the list`);
  return entry[0];
}

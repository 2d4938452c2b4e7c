import DataLoader from 'dataloader';
import { notFound } from './errors.js';

/**
 * A per-request loader that batches lookups by id into one query and returns results in the
 * order asked, null for ids that do not exist (or that the caller may not see).
 */
export function byIdLoader<Row>(fetch: (ids: readonly string[]) => Promise<Row[]>, idOf: (row: Row) => string) {
  return new DataLoader<string, Row | null>(
    async (ids) => {
      const rows = await fetch(ids);
      const byId = new Map(rows.map((row) => [idOf(row), row]));
      return ids.map((id) => byId.get(id) ?? null);
    },
    { maxBatchSize: 500 },
  );
}

/**
 * What a request's loader finds for `id`, or NOT_FOUND naming `what`: the loaders look only among
 * the viewer's organizations, so another tenant's row is as unknown as a missing one.
 */
export async function loadOrNotFound<Row>(loader: DataLoader<string, Row | null>, id: string, what: string): Promise<Row> {
  const row = await loader.load(id);
  if (!row) throw notFound(what);
  return row;
}

/** Groups rows fetched for many parents (e.g. files of many runs) by parent id. */
export function groupedLoader<Row>(fetch: (ids: readonly string[]) => Promise<Row[]>, parentOf: (row: Row) => string) {
  return new DataLoader<string, Row[]>(
    async (ids) => {
      const rows = await fetch(ids);
      const groups = new Map<string, Row[]>();
      for (const row of rows) {
        const key = parentOf(row);
        const list = groups.get(key);
        if (list) list.push(row);
        else groups.set(key, [row]);
      }
      return ids.map((id) => groups.get(id) ?? []);
    },
    { maxBatchSize: 500 },
  );
}

export const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

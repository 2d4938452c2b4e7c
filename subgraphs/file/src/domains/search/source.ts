import { pagedDocuments, UUID_KEY, type Database, type SearchDocument, type SearchSource } from '@organoise/core';
import { and, asc, eq, gt, inArray, isNull, type SQL } from 'drizzle-orm';
import { fileProcessing, files } from '../../db/schema.js';

/**
 * The file subgraph as a search source (docs/protocols/search.md#sources): one File document per
 * file that is not deleted, following each organization's files stream (`file.org:<id>`: every
 * change of a file is appended there, processing's findings and a deletion included).
 *
 * - title: the file's name; keywords: its content type.
 * - body: the text processing extracted from its current version (domains/processing; reset when
 *   a version is added, saved again once processed), cut to SEARCH_FILE_TEXT_MAX_CHARS.
 * - minRole VIEWER: any member of the organization reads a file (Query.file, File's fields).
 * - A deleted file (deleted_at set, restorable until purged) is no document: file.deleted answers
 *   a delete, file.restored an upsert again.
 */
export const SEARCH_FILE_TEXT_MAX_CHARS = 100_000;

const STREAM = /^file\.org:([0-9a-f-]{36})$/;

const columns = { file: files, state: fileProcessing.state, text: fileProcessing.text };
type Row = { file: typeof files.$inferSelect; state: string | null; text: string | null };

const selectFiles = (db: Database, where: SQL | undefined) =>
  db
    .select(columns)
    .from(files)
    .leftJoin(fileProcessing, eq(fileProcessing.fileId, files.id))
    .where(and(isNull(files.deletedAt), where))
    .orderBy(asc(files.id));

function toDocument({ file, state, text }: Row): SearchDocument {
  const extracted = state === 'DONE' && text ? text.slice(0, SEARCH_FILE_TEXT_MAX_CHARS) : '';
  return {
    type: 'File',
    id: file.id,
    organizationId: file.organizationId,
    minRole: 'VIEWER',
    title: file.name,
    body: extracted,
    keywords: { contentType: file.contentType },
    updatedAt: file.updatedAt.toISOString(),
  };
}

export const fileSearchSource: SearchSource = {
  streams: [{ prefix: 'file.org:' }],
  refsOf: (event) => {
    const fileId = event.payload.fileId;
    return typeof fileId === 'string' && event.organizationId ? [{ type: 'File', id: fileId, organizationId: event.organizationId }] : [];
  },
  documents: async (db, refs) => {
    const wanted = refs.filter((r) => r.type === 'File');
    if (wanted.length === 0) return [];
    const rows = await selectFiles(db, inArray(files.id, [...new Set(wanted.map((r) => r.id))]));
    // A file never changes organization; the check keeps a ref to another organization's id out.
    return rows.map(toDocument).filter((doc) => wanted.some((r) => r.id === doc.id && r.organizationId === doc.organizationId));
  },
  scopeOf: (stream) => {
    const match = STREAM.exec(stream);
    return match ? { organizationId: match[1]!, types: ['File'] } : null;
  },
  scopeDocuments: async (db, scope) => (scope.types.includes('File') ? (await selectFiles(db, eq(files.organizationId, scope.organizationId))).map(toDocument) : []),
  allDocuments: (db, after, limit) =>
    pagedDocuments(
      db,
      [
        {
          keyPattern: UUID_KEY,
          page: async (db, afterKey, limit) =>
            (await selectFiles(db, afterKey === null ? undefined : gt(files.id, afterKey)).limit(limit)).map((row) => ({ key: row.file.id, document: toDocument(row) })),
        },
      ],
      after,
      limit,
    ),
};

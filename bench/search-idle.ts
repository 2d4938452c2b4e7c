import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createLogger, mountSearchSource, openDatabase, SEARCH_HEADS_PATH, SEARCH_NAMED_CHANGES_PATH, type SearchSource } from '@organoise/core';
import { sql } from 'drizzle-orm';
import express from 'express';
import { events, eventStreams } from '../packages/core/test/fixtures/event-schema.js';
import { PGLITE_EXTENSIONS } from '../subgraphs/search/src/engine/extensions.js';
import { openPostgresSearchIndex } from '../subgraphs/search/src/engine/postgres.js';

// npm run search-idle -w @organoise/bench [-- ORGANIZATIONS [MODE]]: what an idle indexer pass costs
// (docs/benchmarks.md section 7). A search source (core's routes over an event log holding three
// streams per organization, 1,000 organizations by default) and the search subgraph's indexer, each
// on its own in-memory PGlite, the index caught up (its cursors at the heads); then passes with no
// write anywhere. Counted per pass: the request bytes the source receives, and the statements each
// database runs. MODE: `v2` (this indexer and source), `v1` (this indexer, the source answering its
// version 2 routes 404: the rolling-deploy fallback), or `before`: the indexer of a file named by
// BEFORE_INDEXER below (the commit before the change, written there by hand: git show
// 24b35ef:subgraphs/search/src/domains/indexing/indexer.ts > subgraphs/search/src/domains/indexing/indexer-before.ts).

const organizations = Number(process.argv[2] ?? 1000);
const mode = (process.argv[3] ?? 'v2') as 'v2' | 'v1' | 'before';
const PASSES = 40;
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const BEFORE_INDEXER = here('../subgraphs/search/src/domains/indexing/indexer-before.ts');
const log = createLogger({ test: true }, 'error');

const counts = { sourceStatements: 0, searchStatements: 0, cursorReads: 0, bytes: 0, requests: 0, answerBytes: 0, sourceMs: 0 };
const source = await openDatabase({
  schema: 'events_test',
  migrationsFolder: here('../packages/core/test/fixtures/event-migrations'),
  onQuery: () => counts.sourceStatements++,
});
const search = await openDatabase({
  schema: 'search',
  migrationsFolder: here('../subgraphs/search/drizzle'),
  pgliteExtensions: PGLITE_EXTENSIONS,
  onQuery: (q) => {
    counts.searchStatements++;
    if (/^select/i.test(q) && q.includes('"cursors"')) counts.cursorReads++;
  },
});
const index = await openPostgresSearchIndex(search.db, { language: 'simple' });

// Three streams per organization, each with a head (the events themselves are not read when idle).
const KINDS = ['definitions', 'runs', 'tasks'];
const streams = Array.from({ length: organizations }, (_, i) => KINDS.map((k) => `bench.org:${String(i).padStart(8, '0')}-0000-4000-8000-000000000000:${k}`)).flat();
for (let i = 0; i < streams.length; i += 1000) {
  await source.db.insert(eventStreams).values(streams.slice(i, i + 1000).map((stream, j) => ({ stream, seq: 1 + ((i + j) % 7) })));
}
const heads = Object.fromEntries((await source.db.select().from(eventStreams)).map((r) => [r.stream, Number(r.seq)]));
const toy: SearchSource = {
  streams: [{ prefix: 'bench.org:' }],
  refsOf: () => [],
  documents: () => Promise.resolve([]),
  scopeOf: () => null,
  scopeDocuments: () => Promise.resolve([]),
  allDocuments: () => Promise.resolve({ documents: [], next: null }),
};
const app = express();
app.use((req, res, next) => {
  if (mode === 'v1' && (req.path === SEARCH_HEADS_PATH || req.path === SEARCH_NAMED_CHANGES_PATH)) return void res.status(404).end();
  counts.requests++;
  counts.bytes += Number(req.headers['content-length'] ?? 0);
  const started = performance.now();
  res.on('finish', () => {
    counts.sourceMs += performance.now() - started;
    counts.answerBytes += Number(res.getHeader('content-length') ?? 0);
  });
  next();
});
mountSearchSource(app, { name: 'user', internalTokenSecret: 'bench-secret-bench-secret-bench-secret', db: source.db, tables: { events, eventStreams }, source: toy, log });
const server = createServer(app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

// Caught up: the cursors stored at the heads, the source marked rebuilt.
const rows = [{ source: 'user', stream: '*', seq: 0 }, ...Object.entries(heads).map(([stream, seq]) => ({ source: 'user', stream, seq }))];
for (let i = 0; i < rows.length; i += 1000) {
  const batch = rows.slice(i, i + 1000);
  await search.db.execute(sql`insert into search.cursors (source, stream, seq) values ${sql.join(batch.map((r) => sql`(${r.source}, ${r.stream}, ${r.seq})`), sql`, `)}`);
}

const indexerModule = (mode === 'before' ? await import(BEFORE_INDEXER) : await import('../subgraphs/search/src/domains/indexing/indexer.js')) as typeof import('../subgraphs/search/src/domains/indexing/indexer.js');
const indexer = indexerModule.startIndexer({
  db: search.db,
  index,
  sources: [{ name: 'user', url }],
  internalTokenSecret: 'bench-secret-bench-secret-bench-secret',
  log,
  pollIntervalMs: 20,
});
// Warm: the first passes take the lease, read the cursors and (v2) the first token.
for (let i = 0; i < 5; i++) await indexer.nextPass();
for (const key of Object.keys(counts) as Array<keyof typeof counts>) counts[key] = 0;
for (let i = 0; i < PASSES; i++) await indexer.nextPass();
await indexer.stop();
server.close();
await source.close();
await search.close();

// An idle pass asks the one source once (either version): a pass is a request.
const passes = counts.requests;
const per = (n: number) => Math.round((n / passes) * 100) / 100;
console.log(
  JSON.stringify({
    mode,
    organizations,
    streams: streams.length,
    passes,
    requestBytesPerPass: per(counts.bytes),
    answerBytesPerPass: per(counts.answerBytes),
    sourceStatementsPerPass: per(counts.sourceStatements),
    searchStatementsPerPass: per(counts.searchStatements),
    cursorReadsPerPass: per(counts.cursorReads),
    sourceMsPerPass: per(counts.sourceMs),
  }),
);

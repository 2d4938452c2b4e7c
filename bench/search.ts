import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database, type SearchType } from '@organoise/core';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { ElasticsearchSearchIndex } from '../subgraphs/search/src/engine/elasticsearch.js';
import { PGLITE_EXTENSIONS } from '../subgraphs/search/src/engine/extensions.js';
import { openPostgresSearchIndex } from '../subgraphs/search/src/engine/postgres.js';
import type { SearchIndex, SearchPage, SearchQuery } from '../subgraphs/search/src/engine/search-index.js';
import { loadSearchBenchEnv } from './env.js';
import { quantile } from './lib/load.js';
import { corpus, FIRST, LAST, rng, typo, VOCABULARY, zipfWord } from './search/corpus.js';

// npm run bench:search — the search subgraph's index at 100,000 documents (issue 15). Fills each
// index measured (the machine's Postgres in a database of its own, created and dropped here; PGlite
// and Elasticsearch on request) through SearchIndex.upsert in batches, as the indexer writes, then
// times typical queries one at a time through SearchIndex.search, as the `search` field calls it:
// a word, a prefix, a word with a typo, two words, a word in one type, the second page, and a word in
// a small organization. Progress goes to stderr, figures to stdout; a JSON copy to bench/results/.

const env = loadSearchBenchEnv();
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);
const MIGRATIONS = here('../subgraphs/search/drizzle');
const WARMUP = 20;

interface Engine {
  name: string;
  index: SearchIndex;
  /** After the load: what the engine would do on its own soon (Postgres: autovacuum's ANALYZE). */
  settle(): Promise<void>;
  size(): Promise<string>;
  stop(): Promise<void>;
}

async function openPostgresEngine(): Promise<Engine> {
  const name = `organoise_bench_search_${randomBytes(5).toString('hex')}`;
  const admin = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(env.DATABASE_URL);
  url.pathname = `/${name}`;
  try {
    const database = await openDatabase({ url: url.toString(), schema: 'search', migrationsFolder: MIGRATIONS, poolMax: 4 });
    const index = await openPostgresSearchIndex(database.db, { language: env.SEARCH_LANGUAGE });
    return {
      name: 'Postgres (machine, 15)',
      index,
      settle: () => database.db.execute(sql`vacuum analyze search.documents`).then(() => {}),
      size: () => postgresSize(database.db),
      stop: async () => {
        await database.close();
        if (env.BENCH_KEEP_DATABASE) log(`kept database ${name}`);
        else await admin.unsafe(`drop database if exists "${name}" with (force)`);
        await admin.end({ timeout: 5 });
      },
    };
  } catch (error) {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end({ timeout: 5 });
    throw error;
  }
}

async function openPgliteEngine(): Promise<Engine> {
  const database = await openDatabase({ schema: 'search', migrationsFolder: MIGRATIONS, pgliteExtensions: PGLITE_EXTENSIONS });
  const index = await openPostgresSearchIndex(database.db, { language: env.SEARCH_LANGUAGE });
  return {
    name: 'PGlite (in memory)',
    index,
    settle: () => database.db.execute(sql`vacuum analyze search.documents`).then(() => {}),
    size: () => postgresSize(database.db),
    stop: () => database.close(),
  };
}

async function openElasticsearchEngine(): Promise<Engine> {
  if (!env.ELASTICSEARCH_URL) throw new Error('BENCH_SEARCH_ENGINES names elasticsearch: set ELASTICSEARCH_URL');
  const { Client } = await import('@elastic/elasticsearch');
  const client = new Client({ node: env.ELASTICSEARCH_URL });
  const index = await ElasticsearchSearchIndex.open({ client, indexPrefix: `organoise-bench-${randomBytes(4).toString('hex')}-` });
  return {
    name: `Elasticsearch (${new URL(env.ELASTICSEARCH_URL).host})`,
    index,
    settle: async () => {
      await client.indices.forcemerge({ index: index.index, max_num_segments: 1 });
      await client.indices.refresh({ index: index.index });
    },
    size: async () => {
      const stats = await client.indices.stats({ index: index.index, metric: ['store'] });
      return `${((stats._all.primaries?.store?.size_in_bytes ?? 0) / 2 ** 20).toFixed(0)} MiB`;
    },
    stop: async () => {
      if (env.BENCH_KEEP_DATABASE) log(`kept index ${index.index}`);
      else {
        await client.indices.delete({ index: index.index }, { ignore: [404] });
        await client.indices.deleteIndexTemplate({ name: index.index }, { ignore: [404] });
      }
      await client.close();
    },
  };
}

async function postgresSize(db: Database): Promise<string> {
  const result = (await db.execute(sql`
    select pg_total_relation_size('search.documents') as total, pg_relation_size('search.documents') as heap,
      pg_relation_size('search.documents_org_tsv_idx') as tsv, pg_relation_size('search.documents_title_trgm_idx') as trgm`)) as unknown;
  const row = (Array.isArray(result) ? result[0] : (result as { rows: unknown[] }).rows[0]) as Record<string, string | number>;
  const mib = (v: string | number) => `${(Number(v) / 2 ** 20).toFixed(0)} MiB`;
  return `${mib(row.total!)} in all (table ${mib(row.heap!)}, (organization, tsvector) GIN ${mib(row.tsv!)}, title trigram GIN ${mib(row.trgm!)})`;
}

const data = corpus(env.BENCH_SEARCH_DOCUMENTS, env.BENCH_SEARCH_ORGANIZATIONS);
const largest = data.organizations[0]!;
// A small organization: the one whose size is closest to 500 documents.
const small = data.organizations.slice(1).reduce((best, org) => (Math.abs(org.documents - 500) < Math.abs(best.documents - 500) ? org : best));

const names: string[] = [];
type Kind = { name: string; query: (random: () => number) => Omit<SearchQuery, 'after'> & { secondPage?: true } };
const base = { organizationId: largest.id, viewerRole: 'MEMBER' as const, types: null, first: 20 };
const longWord = (random: () => number) => {
  for (;;) {
    const w = zipfWord(random);
    if (w.length >= 6) return w;
  }
};
const KINDS: Kind[] = [
  { name: 'a word', query: (r) => ({ ...base, text: zipfWord(r) }) },
  { name: 'a prefix (3 letters)', query: (r) => ({ ...base, text: longWord(r).slice(0, 3) }) },
  { name: 'a word with a typo', query: (r) => ({ ...base, text: r() < 0.5 ? typo(r, longWord(r)) : typo(r, LAST[Math.floor(r() * LAST.length)]!.toLowerCase()) }) },
  { name: 'two words', query: (r) => ({ ...base, text: `${zipfWord(r)} ${zipfWord(r)}` }) },
  { name: 'a first name', query: (r) => ({ ...base, text: FIRST[Math.floor(r() * FIRST.length)]! }) },
  // A person's full name as one of the organization's users has it (collected while loading).
  { name: 'a full name', query: (r) => ({ ...base, text: names[Math.floor(r() * names.length)] ?? 'Ada Lovelace' }) },
  { name: 'a word, types: [File]', query: (r) => ({ ...base, text: zipfWord(r), types: ['File'] as SearchType[] }) },
  { name: 'a word, second page', query: (r) => ({ ...base, text: zipfWord(r), secondPage: true }) },
  { name: `a word, in an organization of ${small.documents}`, query: (r) => ({ ...base, organizationId: small.id, text: zipfWord(r) }) },
];

interface KindResult {
  kind: string;
  queries: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  medianTotal: number;
  empty: number;
}
interface EngineResult {
  engine: string;
  load: { documents: number; seconds: number; perSecond: number; batchP50: number; batchP95: number; settleSeconds: number; size: string };
  update: { documents: number; seconds: number; perSecond: number };
  kinds: KindResult[];
}

async function measure(engine: Engine): Promise<EngineResult> {
  const { index } = engine;
  log(`${engine.name}: loading ${env.BENCH_SEARCH_DOCUMENTS} documents in batches of ${env.BENCH_SEARCH_BATCH}`);
  const batchMs: number[] = [];
  let documents = 0;
  const loadStarted = performance.now();
  for (const batch of data.batches(env.BENCH_SEARCH_BATCH)) {
    const t = performance.now();
    await index.upsert(batch);
    for (const d of batch) if (d.type === 'User' && d.organizationId === largest.id) names.push(d.title);
    batchMs.push(performance.now() - t);
    documents += batch.length;
    if (batchMs.length % 20 === 0) log(`  ${documents} documents, ${(documents / ((performance.now() - loadStarted) / 1000)).toFixed(0)}/s`);
  }
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const settleStarted = performance.now();
  await engine.settle();
  const settleSeconds = (performance.now() - settleStarted) / 1000;
  const size = await engine.size();
  log(`  loaded in ${loadSeconds.toFixed(1)} s; settled in ${settleSeconds.toFixed(1)} s; ${size}`);

  // Updates: the first documents again with new titles (a rename wave), in the same batches.
  const updateCount = Math.min(10_000, documents);
  const updateStarted = performance.now();
  let updated = 0;
  for (const batch of data.batches(env.BENCH_SEARCH_BATCH)) {
    if (updated >= updateCount) break;
    await index.upsert(batch.map((d) => ({ ...d, title: `${d.title} renamed`, updatedAt: new Date().toISOString() })));
    updated += batch.length;
  }
  const updateSeconds = (performance.now() - updateStarted) / 1000;
  await engine.settle();

  const random = rng(42);
  const latencies = KINDS.map(() => [] as number[]);
  const totals = KINDS.map(() => [] as number[]);
  const run = async (k: number, record: boolean) => {
    const { secondPage, ...query } = KINDS[k]!.query(random);
    let after: string | null = null;
    if (secondPage) {
      const first: SearchPage = await index.search({ ...query, after: null });
      after = first.hits.at(-1)?.cursor ?? null;
    }
    const t = performance.now();
    const page = await index.search({ ...query, after });
    const ms = performance.now() - t;
    if (page.hits.length > query.first) throw new Error('more hits than asked for');
    if (record) {
      latencies[k]!.push(ms);
      totals[k]!.push(page.total);
    }
  };
  log(`  ${WARMUP} unmeasured queries per kind, then ${env.BENCH_SEARCH_QUERIES} measured, the kinds interleaved`);
  for (let i = 0; i < WARMUP; i++) for (let k = 0; k < KINDS.length; k++) await run(k, false);
  for (let i = 0; i < env.BENCH_SEARCH_QUERIES; i++) {
    for (let k = 0; k < KINDS.length; k++) await run(k, true);
    if ((i + 1) % 50 === 0) log(`  ${i + 1} of ${env.BENCH_SEARCH_QUERIES}`);
  }
  const kinds = KINDS.map((kind, k) => {
    const sorted = [...latencies[k]!].sort((a, b) => a - b);
    const t = [...totals[k]!].sort((a, b) => a - b);
    return { kind: kind.name, queries: sorted.length, p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99), max: sorted.at(-1)!, medianTotal: quantile(t, 0.5), empty: t.filter((n) => n === 0).length };
  });
  return {
    engine: engine.name,
    load: {
      documents,
      seconds: loadSeconds,
      perSecond: documents / loadSeconds,
      batchP50: quantile([...batchMs].sort((a, b) => a - b), 0.5),
      batchP95: quantile([...batchMs].sort((a, b) => a - b), 0.95),
      settleSeconds,
      size,
    },
    update: { documents: updated, seconds: updateSeconds, perSecond: updated / updateSeconds },
    kinds,
  };
}

const openers = { postgres: openPostgresEngine, pglite: openPgliteEngine, elasticsearch: openElasticsearchEngine };
const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadBefore: os.loadavg() };
const results: EngineResult[] = [];
log(`corpus: ${env.BENCH_SEARCH_DOCUMENTS} documents in ${data.organizations.length} organizations; queries in the largest (${largest.documents}) as a MEMBER, and in one of ${small.documents}; ${VOCABULARY.length} vocabulary words`);
for (const name of env.BENCH_SEARCH_ENGINES) {
  const engine = await openers[name]();
  try {
    results.push(await measure(engine));
  } finally {
    await engine.stop();
  }
}
const loadAfter = os.loadavg();

const resultsDir = here('./results');
mkdirSync(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(join(resultsDir, `search-${stamp}.json`), `${JSON.stringify({ date: new Date().toISOString(), machine: { ...machine, loadAfter }, settings: env, results }, null, 2)}\n`);

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
console.log(`\nload average before ${machine.loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')} (${machine.cpus} CPUs)`);
for (const r of results) {
  console.log(`\n### ${r.engine}\n`);
  console.log(`indexing: ${r.load.documents} documents in ${fmt(r.load.seconds)} s = ${fmt(r.load.perSecond, 0)} documents/s (batch of ${env.BENCH_SEARCH_BATCH}: p50 ${fmt(r.load.batchP50, 0)} ms, p95 ${fmt(r.load.batchP95, 0)} ms); settle ${fmt(r.load.settleSeconds)} s; ${r.load.size}`);
  console.log(`updates: ${r.update.documents} documents re-upserted in ${fmt(r.update.seconds)} s = ${fmt(r.update.perSecond, 0)} documents/s\n`);
  console.log('| query | queries | p50 ms | p95 ms | p99 ms | max ms | median total | no hits |');
  console.log('| --- | --: | --: | --: | --: | --: | --: | --: |');
  for (const k of r.kinds) console.log(`| ${k.kind} | ${k.queries} | ${fmt(k.p50)} | ${fmt(k.p95)} | ${fmt(k.p99)} | ${fmt(k.max)} | ${k.medianTotal} | ${k.empty} |`);
}

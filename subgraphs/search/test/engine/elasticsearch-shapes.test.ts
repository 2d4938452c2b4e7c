import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Client } from '@elastic/elasticsearch';
import type { SearchDocument } from '@organoise/core';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ElasticsearchSearchIndex, HIGHLIGHT_POST, HIGHLIGHT_PRE } from '../../src/engine/elasticsearch.js';
import type { SearchQuery } from '../../src/engine/search-index.js';
import { decodeSearchCursor, querySignature, wordsOf } from '../../src/engine/text.js';

// No Elasticsearch server can run here. These tests run the real @elastic/elasticsearch client on
// @elastic/elasticsearch-mock's mocked HTTP layer: every request the adapter sends is recorded and
// compared with the committed shapes (fixtures/elasticsearch/requests.json), and recorded answers in
// Elasticsearch's response format (fixtures/elasticsearch/*-response.json, written from the
// Elasticsearch 9 reference, not captured from a server) are turned into SearchPages. They cannot
// show that Elasticsearch matches what the adapter asks for: elasticsearch-contract.test.ts does,
// against a real server, when ELASTICSEARCH_URL is set. After a deliberate change of the requests,
// rewrite the shapes with ES_SHAPES_UPDATE=1 and review their diff.

const fixtures = new URL('./fixtures/elasticsearch/', import.meta.url);
const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')) as T;
const shapesFile = new URL('requests.json', fixtures);
const update = process.env.ES_SHAPES_UPDATE === '1';
// The mock is CommonJS (`module.exports = Mocker`, typed as a default export) and answers with the
// classes of the client's CommonJS build, which it requires; the adapter's ESM import is another copy
// of them, so a refusal must be built from the CommonJS one.
const require = createRequire(import.meta.url);
const Mock = require('@elastic/elasticsearch-mock') as typeof import('@elastic/elasticsearch-mock').default;
const { errors } = require('@elastic/elasticsearch') as typeof import('@elastic/elasticsearch');

interface Recorded {
  method: string;
  path: string;
  querystring: Record<string, string>;
  body: unknown;
}
type Answer = (request: Recorded) => unknown;

const INDEX = 'organoise-search-test-documents';
let requests: Recorded[] = [];
let answer: Answer;
const mock = new Mock();
mock.add({ method: ['GET', 'POST', 'PUT', 'DELETE', 'HEAD'], path: '*' }, (params) => {
  const { method, path, querystring, body } = params as unknown as Recorded;
  const request = { method, path, querystring, body };
  requests.push(request);
  return answer(request) as Record<string, unknown>;
});
// Not closed: the mock's connection holds no socket (and implements no close). Its class extends the
// CommonJS build's BaseConnection, which TypeScript tells apart from the ESM build's.
const client = new Client({ node: 'http://elasticsearch.invalid:9200', Connection: mock.getConnection() as never, maxRetries: 0 });

const refusal = (statusCode: number, type: string) => new errors.ResponseError({ body: { error: { type, reason: type }, status: statusCode }, statusCode, headers: {}, warnings: null, meta: {} as never });
/** What an Elasticsearch 9 server answers to each request the adapter sends, when all goes well. */
const ok: Answer = ({ method, path }) => {
  if (method === 'HEAD') return '';
  if (path.endsWith('/_bulk')) return { errors: false, took: 3, items: [] };
  if (path.endsWith('/_delete_by_query')) return { took: 5, timed_out: false, total: 1, deleted: 1, batches: 1, version_conflicts: 0, noops: 0, failures: [] };
  if (path.endsWith('/_search')) return fixture('search-response.json');
  return { acknowledged: true };
};

let index: ElasticsearchSearchIndex;
const open = async () => (index = await ElasticsearchSearchIndex.open({ client, indexPrefix: 'organoise-search-test-' }));
beforeEach(async () => {
  answer = ok;
  await open();
  requests = [];
});

// The recorded shapes, one list of requests per case; compared whole, so any change shows in review.
const shapes: Record<string, Recorded[]> = update ? {} : fixture('requests.json');
afterAll(() => {
  if (!update) return;
  // The highlight markers are private-use characters: written as escapes, so a reader sees them.
  const text = JSON.stringify(shapes, null, 2).replace(/[\uE000\uE001]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  writeFileSync(shapesFile, `${text}\n`);
});
function expectShape(name: string, recorded: Recorded[]) {
  if (update) shapes[name] = structuredClone(recorded);
  else expect(recorded, `requests of '${name}' (fixtures/elasticsearch/requests.json)`).toEqual(shapes[name]);
}

const doc = (id: string, extra: Partial<SearchDocument> = {}): SearchDocument => ({
  type: 'File',
  id,
  organizationId: 'org-a',
  minRole: 'VIEWER',
  title: `Budget ${id}`,
  body: 'Quarterly figures',
  keywords: { contentType: 'text/plain' },
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});
const query = (more: Partial<SearchQuery> = {}): SearchQuery => ({ organizationId: 'org-a', viewerRole: 'MEMBER', text: 'Budg quartely', types: ['File'], first: 2, after: null, ...more });
const searches = () => requests.filter((r) => r.path === `/${INDEX}/_search`) as (Recorded & { body: Record<string, any> })[];

describe('Elasticsearch adapter requests match recorded shapes (@elastic/elasticsearch-mock, no server)', () => {
  it('open puts the committed index template, then creates the index when it is missing', async () => {
    answer = (r) => (r.method === 'HEAD' ? refusal(404, 'index_not_found_exception') : ok(r));
    await open();
    expectShape('open, index missing', requests);
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /_index_template/${INDEX}`, `HEAD /${INDEX}`, `PUT /${INDEX}`]);
    const { index_patterns, ...template } = requests[0]!.body as Record<string, unknown>;
    expect(index_patterns).toEqual([INDEX]);
    expect(template).toEqual(JSON.parse(readFileSync(new URL('../../elasticsearch/index-template.json', import.meta.url), 'utf8')));

    requests = [];
    answer = ok;
    await open();
    expect(requests.map((r) => `${r.method} ${r.path}`), 'an existing index is left as it is').toEqual([`PUT /_index_template/${INDEX}`, `HEAD /${INDEX}`]);

    requests = [];
    answer = (r) => (r.method === 'HEAD' ? refusal(404, 'index_not_found_exception') : r.method === 'PUT' && r.path === `/${INDEX}` ? refusal(400, 'resource_already_exists_exception') : ok(r));
    await expect(open(), 'another replica created it meanwhile').resolves.toBeInstanceOf(ElasticsearchSearchIndex);
    answer = (r) => (r.method === 'PUT' ? refusal(403, 'security_exception') : ok(r));
    await expect(open()).rejects.toThrow();
  });

  it('upsert and remove are bulk requests by deterministic _id with refresh=wait_for; markers in text are removed', async () => {
    await index.upsert([doc('f1'), doc('f2', { minRole: 'ADMIN', title: `A \uE000marker\uE001`, updatedAt: '2026-02-01T00:00:00.000Z' })]);
    await index.remove([{ type: 'File', id: 'f1', organizationId: 'org-a' }, { type: 'User', id: 'u1', organizationId: 'org-b' }]);
    expectShape('upsert and remove', requests);
    for (const r of requests) expect(r).toMatchObject({ method: 'POST', path: `/${INDEX}/_bulk`, querystring: { refresh: 'wait_for' } });
    const [upsert, remove] = requests.map((r) => r.body as Record<string, any>[]);
    expect(upsert!.filter((_, i) => i % 2 === 0)).toEqual([{ index: { _id: 'org-a:File:f1' } }, { index: { _id: 'org-a:File:f2' } }]);
    expect(upsert![3]).toMatchObject({ minRole: 'ADMIN', minRoleRank: 3, title: 'A marker' });
    expect(remove).toEqual([{ delete: { _id: 'org-a:File:f1' } }, { delete: { _id: 'org-b:User:u1' } }]);

    requests = [];
    await index.upsert([]);
    await index.remove([]);
    expect(requests, 'nothing to write, nothing sent').toEqual([]);
    await index.upsert(Array.from({ length: 1001 }, (_, i) => doc(`n${i}`)));
    expect(requests.map((r) => (r.body as unknown[]).length), 'cut at 500 documents per request').toEqual([1000, 1000, 2]);
  });

  it('a bulk item that failed fails the call; removing what is not indexed does not', async () => {
    answer = (r) =>
      r.path.endsWith('/_bulk')
        ? {
            errors: true,
            took: 2,
            items: [
              { index: { _index: INDEX, _id: 'org-a:File:f1', status: 201, result: 'created' } },
              { index: { _index: INDEX, _id: 'org-a:File:f2', status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' } } },
            ],
          }
        : ok(r);
    await expect(index.upsert([doc('f1'), doc('f2')])).rejects.toThrow(/1 of 2 failed.*org-a:File:f2.*es_rejected_execution_exception/);
    answer = (r) => (r.path.endsWith('/_bulk') ? { errors: false, took: 1, items: [{ delete: { _index: INDEX, _id: 'org-a:File:gone', status: 404, result: 'not_found' } }] } : ok(r));
    await expect(index.remove([{ type: 'File', id: 'gone', organizationId: 'org-a' }])).resolves.toBeUndefined();
  });

  it('retainOnly and clear are delete_by_query with refresh=true; retainOnly is scoped to its organization and types', async () => {
    await index.retainOnly({ organizationId: 'org-a', types: ['File', 'HumanTask'] }, ['keep-1', 'keep-2']);
    await index.retainOnly({ organizationId: 'org-a', types: ['User'] }, []);
    await index.retainOnly({ organizationId: 'org-a', types: [] }, ['x']);
    await index.clear();
    expectShape('retainOnly and clear', requests);
    expect(requests).toHaveLength(3);
    for (const r of requests) expect(r).toMatchObject({ method: 'POST', path: `/${INDEX}/_delete_by_query`, querystring: { refresh: 'true', conflicts: 'proceed' } });
    for (const r of requests.slice(0, 2)) expect((r.body as any).query.bool.filter[0]).toEqual({ term: { organizationId: 'org-a' } });
    expect((requests[2]!.body as any).query).toEqual({ match_all: {} });
  });

  it('search: tenant filter and role range always, every word required, facets before the post_filter on types, search_after from the cursor, highlight tags', async () => {
    const first = await index.search(query());
    const next = await index.search(query({ after: first.hits.at(-1)!.cursor }));
    await index.search(query({ organizationId: 'org-b', viewerRole: 'VIEWER', types: null, text: 'ünïcode', first: 20 }));
    await index.search(query({ viewerRole: 'OWNER', types: [], text: 'x' }));
    expectShape('search', requests);
    expect(next.hits).toHaveLength(2);

    const [a, b, c, d] = searches();
    for (const [r, org, rank] of [[a, 'org-a', 2], [b, 'org-a', 2], [c, 'org-b', 1], [d, 'org-a', 4]] as const) {
      expect(r!.body.query.bool.filter).toEqual([{ term: { organizationId: org } }, { range: { minRoleRank: { lte: rank } } }]);
      expect(r!.body.aggs).toEqual({ types: { terms: { field: 'type', size: 5 } } });
      expect(r!.body.track_total_hits).toBe(true);
      expect(r!.body.highlight).toMatchObject({ pre_tags: [HIGHLIGHT_PRE], post_tags: [HIGHLIGHT_POST] });
      expect(r!.body.sort).toEqual([{ _score: { order: 'desc' } }, { updatedAt: { order: 'desc' } }, { key: { order: 'asc' } }]);
    }
    expect(a!.body.query.bool.must).toHaveLength(2);
    // Per word: title prefix 3, a name's beginning despite a typo 2 (words of 4 characters or more), body prefix 1.
    const boosts = (r: { body: Record<string, any> }) => r.body.query.bool.must.map((m: any) => m.dis_max.queries.map((q: any) => q.constant_score.boost));
    expect(boosts(a!)).toEqual([[3, 2, 1], [3, 2, 1]]);
    expect(boosts(d!), "'x' is too short for a typo").toEqual([[3, 1]]);
    expect(a!.body.query.bool.must[1].dis_max.queries[1].constant_score.filter).toEqual({ match: { 'title.beginnings': { query: 'quartely', fuzziness: 'AUTO:4,6' } } });
    expect(a!.body.size).toBe(3);
    expect(a!.body.post_filter).toEqual({ terms: { type: ['File'] } });
    expect(a!.body.search_after).toBeUndefined();
    expect(b!.body.search_after).toEqual([5, 1764547200000, 'org-a:File:f2']);
    expect(c!.body.post_filter).toBeUndefined();
    expect(d!.body.post_filter).toEqual({ terms: { type: [] } });
  });

  it('turns a recorded answer into a SearchPage: hits, highlight ranges (typo titles marked as Postgres does), facets, total, cursor, next page', async () => {
    const page = await index.search(query({ first: 3 }));
    expect(page.total).toBe(4);
    expect(page.hasNextPage).toBe(true);
    expect(page.facets).toEqual([
      { type: 'File', count: 4 },
      { type: 'User', count: 2 },
    ]);
    expect(page.hits.map(({ cursor: _, ...hit }) => hit)).toEqual([
      {
        type: 'File',
        id: 'f1',
        organizationId: 'org-a',
        score: 5,
        keywords: { contentType: 'application/pdf' },
        highlights: [
          { field: 'title', text: 'Budget «2026» – quarterly Budget', matches: [{ start: 0, length: 6 }, { start: 26, length: 6 }] },
          { field: 'body', text: 'Then the quarterly budget, and more words after it, and later another budgetary note.', matches: [{ start: 19, length: 6 }, { start: 70, length: 9 }] },
        ],
      },
      {
        type: 'File',
        id: 'f2',
        organizationId: 'org-a',
        score: 5,
        keywords: {},
        // The emoji is two UTF-16 code units: ranges count as JavaScript strings do.
        highlights: [{ field: 'title', text: '📎 Budgte Quarterly', matches: [{ start: 3, length: 6 }] }],
      },
      {
        type: 'File',
        id: 'f3',
        organizationId: 'org-a',
        score: 3,
        keywords: {},
        // No prefix in the title: its words close to a typed one ('quartely') are marked (typoHighlight).
        highlights: [
          { field: 'title', text: 'Quarterly figures', matches: [{ start: 0, length: 9 }] },
          { field: 'body', text: 'Figures for the budget review.', matches: [{ start: 16, length: 6 }] },
        ],
      },
    ]);
    const slices = page.hits[0]!.highlights.flatMap((h) => h.matches.map((m) => h.text.slice(m.start, m.start + m.length)));
    expect(slices).toEqual(['Budget', 'Budget', 'budget', 'budgetary']);
    const signature = querySignature(wordsOf('Budg quartely'), ['File']);
    expect(decodeSearchCursor(signature, page.hits[1]!.cursor)).toEqual({ score: '5', updatedAt: '2025-12-01T00:00:00.000Z', type: 'File', id: 'f2' });
    expect(() => decodeSearchCursor(querySignature(wordsOf('budget'), ['File']), page.hits[1]!.cursor), 'bound to its query').toThrow();

    answer = (r) => (r.path.endsWith('/_search') ? { took: 1, timed_out: false, hits: { total: { value: 0, relation: 'eq' }, max_score: null, hits: [] }, aggregations: { types: { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: [] } } } : ok(r));
    expect(await index.search(query())).toEqual({ hits: [], total: 0, facets: [], hasNextPage: false });
  });

  it('refuses a cursor it did not make with BAD_USER_INPUT, before sending anything', async () => {
    const made = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const q = querySignature(wordsOf(query().text), ['File']);
    const other = querySignature(wordsOf('another query'), ['File']);
    for (const after of ['garbage', '', 'eyJ4IjoxfQ', made({ q: other, s: '1', u: '2026-01-01T00:00:00.000Z', t: 'File', i: 'f' }), made({ q, s: 'x', u: '2026-01-01T00:00:00.000Z', t: 'File', i: 'f' }), made({ q, s: '1', u: 'soon', t: 'File', i: 'f' }), made({ q, s: '1', u: '2026-01-01T00:00:00.000Z', t: 'Nope', i: 'f' })]) {
      await expect(index.search(query({ after })), after).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    }
    expect(requests).toEqual([]);
  });

  it('never throws on malformed query text: no word sends nothing, and a request holds only words of letters and digits', async () => {
    for (const text of ['', '   ', '!!!', '&|!():*\'\\', '<-> <2>', ':*', '"', '%_', '\u0000', '😀', '*:*', '{"query":1}', 'a AND (b OR']) {
      await expect(index.search(query({ text }))).resolves.toBeDefined();
    }
    const sent = searches().map((r) => r.body.query.bool.must.map((m: any) => m.dis_max.queries[0].constant_score.filter.match_bool_prefix.title.query));
    expect(sent).toEqual([['2'], ['query', '1'], ['a', 'and', 'b', 'or']]);

    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme-composite', maxLength: 400 }), async (text) => {
        requests = [];
        await index.search(query({ text }));
        const words = wordsOf(text);
        expect(words.length).toBeLessThanOrEqual(16);
        for (const w of words) expect(w).toMatch(/^[\p{L}\p{N}\p{M}]{1,64}$/u);
        expect(searches()).toHaveLength(words.length === 0 ? 0 : 1);
      }),
      { numRuns: 200, seed: 15 },
    );
  });
});

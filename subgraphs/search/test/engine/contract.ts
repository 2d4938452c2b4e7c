import { randomUUID } from 'node:crypto';
import type { Role, SearchDocument } from '@organoise/core';
import { testSearchDocument } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchHit, SearchIndex, SearchPage, SearchQuery } from '../../src/engine/search-index.js';

/**
 * What every SearchIndex must do (Postgres here, Elasticsearch in its own test): one suite, run over
 * each implementation against a real engine. Each test uses organizations of its own, so tests do
 * not see each other's documents (and `clear` is tested last).
 */
export function searchIndexContract(name: string, make: () => Promise<SearchIndex>): void {
  describe(`SearchIndex contract: ${name}`, () => {
    let index: SearchIndex;
    beforeAll(async () => {
      index = await make();
    });
    afterAll(async () => {
      await index?.close();
    });

    const doc = testSearchDocument;
    const search = (organizationId: string, text: string, more: Partial<SearchQuery> = {}): Promise<SearchPage> =>
      index.search({ organizationId, viewerRole: 'OWNER', text, types: null, first: 20, after: null, ...more });
    const ids = (page: SearchPage) => page.hits.map((h) => h.id).sort();
    const slices = (hit: SearchHit, field: 'title' | 'body') =>
      hit.highlights.filter((h) => h.field === field).flatMap((h) => h.matches.map((m) => h.text.slice(m.start, m.start + m.length)));

    it('matches only the asked organization: the same words elsewhere are never a hit nor counted', async () => {
      const [a, b] = [randomUUID(), randomUUID()];
      await index.upsert([doc(a, 'WorkflowDefinition', 'wa', 'Invoice approval'), doc(b, 'WorkflowDefinition', 'wb', 'Invoice approval'), doc(b, 'File', 'fb', 'Invoice scan')]);
      const page = await search(a, 'invoice');
      expect(ids(page)).toEqual(['wa']);
      expect(page.hits[0]).toMatchObject({ type: 'WorkflowDefinition', organizationId: a });
      expect(page.total).toBe(1);
      expect(page.facets).toEqual([{ type: 'WorkflowDefinition', count: 1 }]);
      expect((await search(randomUUID(), 'invoice')).hits).toEqual([]);
    });

    it('matches only documents whose minRole the viewer has', async () => {
      const org = randomUUID();
      await index.upsert([
        doc(org, 'File', 'open', 'Payroll summary'),
        doc(org, 'File', 'members', 'Payroll members', { minRole: 'MEMBER' }),
        doc(org, 'File', 'admins', 'Payroll admins', { minRole: 'ADMIN' }),
        doc(org, 'File', 'owners', 'Payroll owners', { minRole: 'OWNER' }),
      ]);
      const seen = async (viewerRole: Role) => {
        const page = await search(org, 'payroll', { viewerRole });
        return { ids: ids(page), total: page.total, facets: page.facets };
      };
      expect(await seen('VIEWER')).toEqual({ ids: ['open'], total: 1, facets: [{ type: 'File', count: 1 }] });
      expect((await seen('MEMBER')).ids).toEqual(['members', 'open']);
      expect((await seen('ADMIN')).ids).toEqual(['admins', 'members', 'open']);
      expect(await seen('OWNER')).toMatchObject({ ids: ['admins', 'members', 'open', 'owners'], total: 4 });
    });

    it('upsert replaces a document by (organization, type, id); the same id of another type is another document', async () => {
      const org = randomUUID();
      await index.upsert([doc(org, 'WorkflowRun', 'x', 'Alpha run', { keywords: { state: 'open' } }), doc(org, 'HumanTask', 'x', 'Alpha task')]);
      await index.upsert([doc(org, 'WorkflowRun', 'x', 'Bravo run', { keywords: { state: 'done' }, minRole: 'MEMBER' })]);
      expect((await search(org, 'alpha')).hits.map((h) => h.type)).toEqual(['HumanTask']);
      const bravo = await search(org, 'bravo');
      expect(bravo.hits).toHaveLength(1);
      expect(bravo.hits[0]).toMatchObject({ type: 'WorkflowRun', id: 'x', keywords: { state: 'done' } });
      expect((await search(org, 'bravo', { viewerRole: 'VIEWER' })).hits).toEqual([]);
      // The same document twice in one call, or again: still one.
      await index.upsert([doc(org, 'User', 'u', 'Charlie'), doc(org, 'User', 'u', 'Charlie Chaplin')]);
      await index.upsert([doc(org, 'User', 'u', 'Charlie Chaplin')]);
      expect((await search(org, 'charlie')).total).toBe(1);
    });

    it('remove drops documents; refs that are not indexed are ignored', async () => {
      const org = randomUUID();
      await index.upsert([doc(org, 'File', 'f1', 'Contract one'), doc(org, 'File', 'f2', 'Contract two')]);
      await index.remove([
        { type: 'File', id: 'f1', organizationId: org },
        { type: 'File', id: 'nope', organizationId: org },
        { type: 'User', id: 'f2', organizationId: org },
      ]);
      expect(ids(await search(org, 'contract'))).toEqual(['f2']);
      await index.remove([]);
      expect(ids(await search(org, 'contract'))).toEqual(['f2']);
    });

    it('retainOnly removes the scope’s other documents and nothing outside the scope', async () => {
      const [org, other] = [randomUUID(), randomUUID()];
      await index.upsert([
        doc(org, 'File', 'keep', 'Report keep'),
        doc(org, 'File', 'drop', 'Report drop'),
        doc(org, 'HumanTask', 'task', 'Report task'),
        doc(org, 'WorkflowRun', 'run', 'Report run'),
        doc(other, 'File', 'drop', 'Report elsewhere'),
      ]);
      await index.retainOnly({ organizationId: org, types: ['File', 'HumanTask'] }, ['keep']);
      expect((await search(org, 'report')).hits.map((h) => `${h.type}:${h.id}`).sort()).toEqual(['File:keep', 'WorkflowRun:run']);
      expect(ids(await search(other, 'report'))).toEqual(['drop']);
      await index.retainOnly({ organizationId: org, types: ['File'] }, []);
      expect(ids(await search(org, 'report'))).toEqual(['run']);
    });

    it('matches every word by prefix, in title or body, all words required', async () => {
      const org = randomUUID();
      await index.upsert([
        doc(org, 'File', 'q', 'Quarterly report', { body: 'Budget figures for the northern region' }),
        doc(org, 'File', 'm', 'Monthly report', { body: 'Nothing about money' }),
      ]);
      expect(ids(await search(org, 'quart'))).toEqual(['q']);
      expect(ids(await search(org, 'rep'))).toEqual(['m', 'q']);
      expect(ids(await search(org, 'quart rep'))).toEqual(['q']);
      expect(ids(await search(org, 'budg north'))).toEqual(['q']);
      expect(ids(await search(org, 'REPORT Budget'))).toEqual(['q']);
      expect(ids(await search(org, 'monthly budget'))).toEqual([]);
    });

    it('finds the words of punctuated names (file names, snake_case, dotted) and highlights them there', async () => {
      const org = randomUUID();
      await index.upsert([doc(org, 'File', 'f', 'taxi-ride-receipt.txt'), doc(org, 'File', 'g', 'invoice_march.2026.pdf', { body: 'see www.example.com/quarterly-report.pdf' })]);
      expect(ids(await search(org, 'receipt'))).toEqual(['f']);
      expect(ids(await search(org, 'rece'))).toEqual(['f']);
      expect(ids(await search(org, 'march'))).toEqual(['g']);
      expect(ids(await search(org, 'quarterly'))).toEqual(['g']);
      const [hit] = (await search(org, 'receipt')).hits;
      expect(hit!.highlights.find((h) => h.field === 'title')?.text).toBe('taxi-ride-receipt.txt');
      expect(slices(hit!, 'title')).toEqual(['receipt']);
    });

    it('tolerates a typo in a name (title)', async () => {
      const org = randomUUID();
      await index.upsert([
        doc(org, 'WorkflowDefinition', 'wf', 'Workflow onboarding'),
        doc(org, 'File', 'inv', 'Invoice March'),
        doc(org, 'User', 'u', 'Margaret Hamilton'),
        doc(org, 'File', 'unrelated', 'Holiday calendar'),
      ]);
      expect(ids(await search(org, 'wrkflow'))).toEqual(['wf']);
      expect(ids(await search(org, 'invioce'))).toEqual(['inv']);
      expect(ids(await search(org, 'hamiltn'))).toEqual(['u']);
    });

    it('ranks a title match above a body match, then newer first', async () => {
      const org = randomUUID();
      await index.upsert([
        doc(org, 'File', 'body', 'Notes', { body: 'the harbour plan', updatedAt: '2026-03-01T00:00:00.000Z' }),
        doc(org, 'File', 'old', 'Harbour', { updatedAt: '2026-01-01T00:00:00.000Z' }),
        doc(org, 'File', 'new', 'Harbour', { updatedAt: '2026-02-01T00:00:00.000Z' }),
      ]);
      const page = await search(org, 'harbour');
      expect(page.hits.map((h) => h.id)).toEqual(['new', 'old', 'body']);
      expect(page.hits[0]!.score).toBeGreaterThan(page.hits[2]!.score);
    });

    it('highlights: the ranges point at the matched words of the text they come with', async () => {
      const org = randomUUID();
      const body = 'Intro text. Then the quarterly budget, and more words after it, and later another budgetary note.';
      await index.upsert([doc(org, 'File', 'h', 'Budget «2026» – quarterly Budget', { body })]);
      const [hit] = (await search(org, 'budget')).hits;
      expect(hit).toBeDefined();
      const title = hit!.highlights.find((h) => h.field === 'title');
      expect(title?.text).toBe('Budget «2026» – quarterly Budget');
      expect(slices(hit!, 'title')).toEqual(['Budget', 'Budget']);
      const inBody = slices(hit!, 'body');
      expect(inBody.length).toBeGreaterThan(0);
      for (const s of inBody) expect(s.toLowerCase().startsWith('budget')).toBe(true);
      for (const h of hit!.highlights) {
        expect(h.text).not.toMatch(/[\u0001-\u0008]/);
        if (h.field === 'body') expect(body).toContain(h.text.trim().replace(/^…|…$/g, '').trim());
      }
      // A prefix highlights the whole word; a word only in the body gives no title highlight ranges.
      const [prefix] = (await search(org, 'quart')).hits;
      expect(slices(prefix!, 'title').map((s) => s.toLowerCase())).toEqual(['quarterly']);
      const [later] = (await search(org, 'intro')).hits;
      expect(slices(later!, 'title')).toEqual([]);
      expect(slices(later!, 'body')).toEqual(['Intro']);
    });

    it('facets count every type before the type filter; total counts the filtered ones', async () => {
      const org = randomUUID();
      await index.upsert([
        doc(org, 'User', 'u1', 'Delta one'),
        doc(org, 'User', 'u2', 'Delta two'),
        doc(org, 'File', 'f1', 'Delta file'),
        doc(org, 'File', 'f2', 'Delta file 2'),
        doc(org, 'File', 'f3', 'Delta file 3'),
        doc(org, 'HumanTask', 't', 'Epsilon'),
      ]);
      const page = await search(org, 'delta', { types: ['File'] });
      expect(ids(page)).toEqual(['f1', 'f2', 'f3']);
      expect(page.total).toBe(3);
      const facets = [...page.facets].sort((x, y) => x.type.localeCompare(y.type));
      expect(facets).toEqual([
        { type: 'File', count: 3 },
        { type: 'User', count: 2 },
      ]);
      expect((await search(org, 'delta', { types: ['HumanTask', 'WorkflowRun'] })).total).toBe(0);
      expect((await search(org, 'delta', { types: [] })).total).toBe(0);
      expect((await search(org, 'delta')).total).toBe(5);
    });

    it('pages through every match once, in rank order, without duplicates or gaps (ties included)', async () => {
      const org = randomUUID();
      const docs: SearchDocument[] = [];
      for (let i = 0; i < 23; i++) {
        // Equal titles and, for most, equal times: the order must still be total.
        docs.push(doc(org, i % 2 ? 'File' : 'HumanTask', `p${String(i).padStart(2, '0')}`, i % 5 === 0 ? 'Paging paging' : 'Paging', { updatedAt: i % 3 === 0 ? '2026-02-01T00:00:00.000Z' : '2026-01-01T00:00:00.000Z' }));
      }
      await index.upsert(docs);
      const all = await search(org, 'paging', { first: 100 });
      expect(all.hits).toHaveLength(23);
      const seen: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 10; pages++) {
        const page: SearchPage = await search(org, 'paging', { first: 5, after });
        expect(page.total).toBe(23);
        seen.push(...page.hits.map((h) => `${h.type}:${h.id}`));
        if (!page.hasNextPage) break;
        after = page.hits.at(-1)!.cursor;
      }
      expect(seen).toEqual(all.hits.map((h) => `${h.type}:${h.id}`));
      expect(new Set(seen).size).toBe(23);
      expect((await search(org, 'paging', { first: 0 })).hits).toEqual([]);
      expect((await search(org, 'paging', { first: 23 })).hasNextPage).toBe(false);
      expect((await search(org, 'paging', { first: 22 })).hasNextPage).toBe(true);
    });

    it('refuses a cursor it did not make with BAD_USER_INPUT', async () => {
      for (const after of ['garbage', '', 'eyJ4IjoxfQ']) {
        await expect(search(randomUUID(), 'x', { after })).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
      }
    });

    it('never fails on malformed text: syntax characters are not operators, no word matches nothing', async () => {
      const org = randomUUID();
      await index.upsert([doc(org, 'File', 'n', "O'Brien notes (draft)", { body: 'C++ & Rust: a|b !important' })]);
      for (const text of ['', '   ', '!!!', '&|!():*\'\\', '<-> <2>', ':*', "'", '\\', '"', '%_', 'a'.repeat(300), '\u0000', '😀']) {
        const page = await search(org, text);
        expect(page.hits.length).toBeLessThanOrEqual(1);
      }
      expect(await search(org, '')).toMatchObject({ hits: [], total: 0, facets: [], hasNextPage: false });
      expect(await search(org, ' !!! ')).toMatchObject({ hits: [], total: 0 });
      expect(ids(await search(org, "o'brien"))).toEqual(['n']);
      expect(ids(await search(org, 'notes & (draft'))).toEqual(['n']);
      expect(ids(await search(org, 'rust:*'))).toEqual(['n']);
      expect(ids(await search(org, '!important'))).toEqual(['n']);
    });

    it('clear removes every document', async () => {
      const org = randomUUID();
      await index.upsert([doc(org, 'File', 'c', 'Zulu')]);
      await index.clear();
      expect((await search(org, 'zulu')).total).toBe(0);
    });
  });
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  INTERNAL_TOKEN_HEADER,
  SEARCH_CHANGES_PATH,
  SEARCH_DOCUMENTS_PATH,
  SEARCH_HEADS_PATH,
  SEARCH_NAMED_CHANGES_PATH,
  verifyInternalToken,
  type SearchChangesRequest,
  type SearchChangesResponse,
  type SearchDocument,
  type SearchDocumentRef,
  type SearchDocumentsRequest,
  type SearchHeadsRequest,
  type SearchType,
} from '@organoise/core';

/**
 * A search source over real HTTP, implementing the protocol (packages/core/src/search/protocol.ts)
 * on an in-memory log with one stream: what the indexer is tested against before (and besides) the
 * real subgraphs. `down` makes it answer 503; `trim` drops its log, so the next changes are a resync;
 * `version` 1 answers the version 2 routes 404, as a source that predates them. One stream and one
 * thread: its token is its seq (a real source's is a snapshot, packages/core/src/search/source.ts).
 */
export class FakeSource {
  private server: Server | null = null;
  private documents = new Map<string, SearchDocument>();
  private log: Array<{ seq: number; key: string; ref: SearchDocumentRef }> = [];
  private seq = 0;
  private trimmedTo = 0;
  down = false;
  version: 1 | 2 = 2;
  calls = { changes: 0, documents: 0, refused: 0, heads: 0, namedChanges: 0 };
  /** Every request answered, with its body (the idle pass's size is measured on it). */
  requests: Array<{ path: string; body: string }> = [];

  constructor(
    readonly name: string,
    private readonly secret: string,
    /** The types this source owns: the scope of its resyncs. */
    private readonly types: SearchType[],
    readonly stream = `${name}:all`,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/graphql`;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        void this.answer(req.url ?? '', req.headers[INTERNAL_TOKEN_HEADER] as string | undefined, body).then(({ status, json }) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(json));
        });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
    this.server = null;
  }

  private key = (r: SearchDocumentRef) => `${r.type}:${r.id}:${r.organizationId}`;

  /** A change as a source's write makes it: the entity's current document, and an event naming it. */
  put(doc: SearchDocument): void {
    this.documents.set(this.key(doc), doc);
    this.log.push({ seq: ++this.seq, key: this.key(doc), ref: { type: doc.type, id: doc.id, organizationId: doc.organizationId } });
  }

  delete(ref: SearchDocumentRef): void {
    this.documents.delete(this.key(ref));
    this.log.push({ seq: ++this.seq, key: this.key(ref), ref: { type: ref.type, id: ref.id, organizationId: ref.organizationId } });
  }

  /** Changes the entity without an event (as a lost write would): only a resync or a rebuild shows it. */
  putSilently(doc: SearchDocument): void {
    this.documents.set(this.key(doc), doc);
  }

  deleteSilently(ref: SearchDocumentRef): void {
    this.documents.delete(this.key(ref));
  }

  /** Every event so far is trimmed from the log (the head stays). */
  trim(): void {
    this.log = [];
    this.trimmedTo = this.seq;
  }

  private async answer(path: string, token: string | undefined, body: string): Promise<{ status: number; json: unknown }> {
    if (this.down) return { status: 503, json: { error: 'down' } };
    if (this.version === 1 && (path === SEARCH_HEADS_PATH || path === SEARCH_NAMED_CHANGES_PATH)) return { status: 404, json: { error: 'no route' } };
    this.requests.push({ path, body });
    const verified = await verifyInternalToken(this.secret, this.name, token);
    if (!verified.ok || verified.viewer !== null) {
      this.calls.refused++;
      return { status: 401, json: { error: 'token' } };
    }
    if (path === SEARCH_CHANGES_PATH) {
      this.calls.changes++;
      return { status: 200, json: this.changes(JSON.parse(body) as SearchChangesRequest) };
    }
    if (path === SEARCH_HEADS_PATH) {
      this.calls.heads++;
      const since = (JSON.parse(body) as SearchHeadsRequest).since;
      const moved = this.seq > 0 && (since === null || Number(since.slice(3)) !== this.seq);
      return { status: 200, json: { token: `v2:${this.seq}`, heads: moved ? { [this.stream]: this.seq } : {} } };
    }
    if (path === SEARCH_NAMED_CHANGES_PATH) {
      this.calls.namedChanges++;
      const request = JSON.parse(body) as SearchChangesRequest;
      if (!(this.stream in request.cursors)) return { status: 200, json: { upserts: [], deletes: [], resync: [], cursors: {}, more: false } };
      return { status: 200, json: this.changes(request) };
    }
    if (path === SEARCH_DOCUMENTS_PATH) {
      this.calls.documents++;
      const request = JSON.parse(body) as SearchDocumentsRequest;
      const all = [...this.documents.values()];
      const from = request.after === null ? 0 : Number(request.after);
      // Pages of two at most, as a real source caps them: a rebuild of three documents takes two pages.
      const limit = Math.min(request.limit ?? 2, 2);
      const page = all.slice(from, from + limit);
      const next = from + limit < all.length ? String(from + limit) : null;
      return { status: 200, json: { documents: page, next, ...(request.after === null ? { cursors: this.seq > 0 ? { [this.stream]: this.seq } : {} } : {}) } };
    }
    return { status: 404, json: { error: 'no route' } };
  }

  private changes(request: SearchChangesRequest): SearchChangesResponse {
    const after = request.cursors[this.stream] ?? 0;
    const head = this.seq;
    if (after === head) return { upserts: [], deletes: [], resync: [], cursors: head > 0 ? { [this.stream]: head } : {}, more: false };
    if (after < this.trimmedTo || after > head) {
      // The log no longer covers the cursor: every current document, as a resync of each organization.
      const docs = [...this.documents.values()];
      const orgs = [...new Set(docs.map((d) => d.organizationId).concat(this.log.map((e) => e.ref.organizationId)))];
      return { upserts: docs, deletes: [], resync: orgs.map((organizationId) => ({ organizationId, types: this.types })), cursors: { [this.stream]: head }, more: false };
    }
    const limit = request.limit ?? 500;
    const events = this.log.filter((e) => e.seq > after).slice(0, limit);
    const upserts: SearchDocument[] = [];
    const deletes: SearchDocumentRef[] = [];
    for (const key of new Set(events.map((e) => e.key))) {
      const doc = this.documents.get(key);
      if (doc) upserts.push(doc);
      else deletes.push(events.find((e) => e.key === key)!.ref);
    }
    const last = events.at(-1)!.seq;
    return { upserts, deletes, resync: [], cursors: { [this.stream]: last }, more: last < head };
  }
}

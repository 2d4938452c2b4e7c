import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gatewayClock } from '../src/context.js';
import { InflightFetches, pooledFetcher, SubgraphDataSource } from '../src/subgraphs.js';

// The gateway's own subgraph client (node:http keep-alive pool), against a bare HTTP server that
// plays a subgraph: what it receives, and how its failures look to @apollo/gateway.

interface Seen {
  contentLength: string | undefined;
  body: string;
  remotePort: number | undefined;
}

let server: http.Server;
let base: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/hang') return; // never answers
      if (req.url === '/hang-in-body') {
        res.writeHead(200, { 'content-type': 'application/json' }).write('{"data":');
        return;
      }
      seen.push({ contentLength: req.headers['content-length'], body: Buffer.concat(chunks).toString('utf8'), remotePort: req.socket.remotePort });
      if (req.url === '/unauthorized') {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: 'no token' }] }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=0' }).end(JSON.stringify({ data: { echo: 'ok' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('the subgraph fetcher', () => {
  it('sends the body whole with its content-length and reuses the connection for the next request', async () => {
    const pool = pooledFetcher(5000);
    try {
      seen.length = 0;
      const body = JSON.stringify({ query: '{ echo }', variables: { name: 'Zoë ✓' } });
      for (let i = 0; i < 2; i++) {
        const response = await pool.fetcher(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(response.ok).toBe(true);
        expect(response.headers.get('Cache-Control')).toBe('max-age=0');
        expect(await response.json()).toEqual({ data: { echo: 'ok' } });
      }
      expect(seen.map((s) => s.body)).toEqual([body, body]);
      expect(seen[0]!.contentLength).toBe(String(Buffer.byteLength(body)));
      expect(seen[1]!.remotePort).toBe(seen[0]!.remotePort);
    } finally {
      pool.close();
    }
  });

  it('gives up on a subgraph that does not answer within the timeout, as fetch with a timeout signal would', async () => {
    const pool = pooledFetcher(200);
    try {
      const started = Date.now();
      const error = await pool.fetcher(`${base}/hang`, { method: 'POST', body: '{}' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DOMException);
      expect((error as DOMException).name).toBe('TimeoutError');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      pool.close();
    }
  });

  it('counts the time spent reading the answer against the timeout too', async () => {
    const pool = pooledFetcher(200);
    try {
      const error = await pool.fetcher(`${base}/hang-in-body`, { method: 'POST', body: '{}' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect((error as DOMException).name).toBe('TimeoutError');
    } finally {
      pool.close();
    }
  });

  it('rejects like fetch when the subgraph cannot be reached', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const pool = pooledFetcher(5000);
    try {
      const error = await pool.fetcher(`http://127.0.0.1:${port}/graphql`, { method: 'POST', body: '{}' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TypeError);
      expect((error as TypeError).message).toBe('fetch failed');
      expect(((error as TypeError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    } finally {
      pool.close();
    }
  });

  it('turns a 401 from a subgraph into an UNAUTHENTICATED error, as the stock data source does', async () => {
    const dataSource = new SubgraphDataSource('echo', `${base}/unauthorized`, undefined, 5000);
    try {
      const response = await dataSource.fetcher(`${base}/unauthorized`, { method: 'POST', body: '{}' });
      expect(response.ok).toBe(false);
      const error = await dataSource.errorFromResponse(response);
      expect(error.message).toBe('401: Unauthorized');
      expect(error.extensions).toMatchObject({ code: 'UNAUTHENTICATED', response: { status: 401, body: { errors: [{ message: 'no token' }] } } });
    } finally {
      dataSource.close();
    }
  });

  describe('failures as the gateway reports them (through the data source, as @apollo/gateway calls it)', () => {
    const process = (dataSource: SubgraphDataSource) =>
      dataSource
        .process({ kind: 'incoming operation', request: { query: '{ echo }' }, incomingRequestContext: {}, context: {} } as never)
        .then(
          () => null,
          (e: unknown) => e as { extensions?: Record<string, unknown> },
        );

    it('answers a subgraph that does not answer in time with OUTCOME_UNKNOWN (reason timeout): it may have acted', async () => {
      const dataSource = new SubgraphDataSource('echo', `${base}/hang`, undefined, 200);
      try {
        expect((await process(dataSource))?.extensions).toMatchObject({ code: 'OUTCOME_UNKNOWN', reason: 'timeout', serviceName: 'echo' });
      } finally {
        dataSource.close();
      }
    });

    it('answers a connection dropped after the request went out with OUTCOME_UNKNOWN (reason connection-lost)', async () => {
      const dropping = http.createServer((req) => req.on('data', () => req.socket.destroy()));
      await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
      const dataSource = new SubgraphDataSource('echo', `http://127.0.0.1:${(dropping.address() as AddressInfo).port}/graphql`, undefined, 5000);
      try {
        expect((await process(dataSource))?.extensions).toMatchObject({ code: 'OUTCOME_UNKNOWN', reason: 'connection-lost' });
      } finally {
        dataSource.close();
        await new Promise<void>((resolve) => dropping.close(() => resolve()));
      }
    });

    it('answers a 503 (no replica ready, or one draining) with SUBGRAPH_UNAVAILABLE, and a proxy\'s 502 or 504 with OUTCOME_UNKNOWN', async () => {
      const statuses = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(Number(req.url!.slice(1)), { 'content-type': 'text/html' }).end('<html>proxy page</html>'));
      });
      await new Promise<void>((resolve) => statuses.listen(0, '127.0.0.1', resolve));
      const at = (status: number) => `http://127.0.0.1:${(statuses.address() as AddressInfo).port}/${status}`;
      try {
        for (const [status, code] of [[503, 'SUBGRAPH_UNAVAILABLE'], [502, 'OUTCOME_UNKNOWN'], [504, 'OUTCOME_UNKNOWN']] as const) {
          const dataSource = new SubgraphDataSource('echo', at(status), undefined, 5000);
          try {
            expect((await process(dataSource))?.extensions, `HTTP ${status}`).toMatchObject({ code, serviceName: 'echo' });
          } finally {
            dataSource.close();
          }
        }
      } finally {
        await new Promise<void>((resolve) => statuses.close(() => resolve()));
      }
    });

    it('answers a subgraph that refuses connections with SUBGRAPH_UNAVAILABLE: nothing reached it', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const dataSource = new SubgraphDataSource('echo', `http://127.0.0.1:${port}/graphql`, undefined, 5000);
      try {
        expect((await process(dataSource))?.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'echo' });
      } finally {
        dataSource.close();
      }
    });
  });
});

describe('identical query fetches in flight, sent once (GATEWAY_DEDUPLICATE_FETCHES)', () => {
  // A subgraph that holds every request until the test lets it answer, each answer numbered, so
  // the test decides what is in flight at once and can tell which request an answer came from.
  // `state` plays the subgraph's data: each answer carries the value read when its request came
  // in, and a test changes it as a write through another gateway replica would.
  let held: { body: string; token: string | undefined; answer: () => void }[];
  let held_server: http.Server;
  let url: string;
  let state = 'v0';
  const SECRET = 'a'.repeat(32);

  beforeAll(async () => {
    held = [];
    let answered = 0;
    held_server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const read = state;
        held.push({
          body: Buffer.concat(chunks).toString('utf8'),
          token: req.headers['x-organoise-internal-token'] as string | undefined,
          answer: () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { echo: { n: ++answered, state: read } } })),
        });
      });
    });
    await new Promise<void>((resolve) => held_server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(held_server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    held_server.closeAllConnections();
    await new Promise<void>((resolve) => held_server.close(() => resolve()));
  });

  const viewer = (userId: string) => ({ userId, sessionId: `s-${userId}`, memberships: {} });
  type Answer = { data: { echo: { n: number; state: string } } };
  /** One fetch for a client request that arrived at `arrivedAt` (gatewayClock); undefined: a context without one. */
  const run = (dataSource: SubgraphDataSource, query: string, arrivedAt: number | undefined, variables: Record<string, unknown> = {}, who: ReturnType<typeof viewer> | null = null) =>
    dataSource.process({
      kind: 'incoming operation',
      request: { query, variables },
      incomingRequestContext: {},
      context: { viewer: who, requestId: Math.random().toString(36), clientIp: '10.0.0.1', ...(arrivedAt === undefined ? {} : { arrivedAt }) },
    } as never) as Promise<Answer>;
  const arrived = async (count: number) => {
    for (let i = 0; i < 500 && held.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(held.length).toBe(count);
  };
  // Long enough for a fetch to reach the data source's send (signing is asynchronous) on a loaded machine.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
  const answerAll = () => held.splice(0).forEach((h) => h.answer());
  // A failed case leaves nothing held for the next one.
  afterEach(answerAll);

  it('lets a request that arrived before an identical fetch was sent wait for it; each waiter gets its own copy of the answer', async () => {
    const dataSource = new SubgraphDataSource('echo', url, SECRET, 5000, new InflightFetches());
    try {
      // Both client requests arrive, then the first one's fetch goes out; the second's comes later.
      const firstArrived = gatewayClock();
      const secondArrived = gatewayClock();
      const first = run(dataSource, '{ echo { n } }', firstArrived, {}, viewer('u1'));
      await arrived(1);
      const second = run(dataSource, '{ echo { n } }', secondArrived, {}, viewer('u1'));
      await settle();
      expect(held.length).toBe(1);
      answerAll();
      const [a, b] = await Promise.all([first, second]);
      expect(a.data.echo.n).toBe(b.data.echo.n);
      expect(a.data).not.toBe(b.data);
      a.data.echo.n = -1;
      expect(b.data.echo.n).not.toBe(-1);
      // Nothing in flight any more: the next one is sent.
      const third = run(dataSource, '{ echo { n } }', gatewayClock(), {}, viewer('u1'));
      await arrived(1);
      answerAll();
      expect((await third).data.echo.n).toBeGreaterThan(b.data.echo.n);
    } finally {
      dataSource.close();
    }
  });

  it('sends its own fetch for a request that arrived after the identical fetch in flight was sent, and so sees a write made in between', async () => {
    const dataSource = new SubgraphDataSource('echo', url, SECRET, 5000, new InflightFetches());
    try {
      state = 'before the write';
      const early = run(dataSource, '{ echo { n state } }', gatewayClock(), {}, viewer('u1'));
      await arrived(1);
      // A write through another replica completes, then a client that saw it complete asks.
      state = 'after the write';
      const late = run(dataSource, '{ echo { n state } }', gatewayClock(), {}, viewer('u1'));
      await arrived(2);
      answerAll();
      const [a, b] = await Promise.all([early, late]);
      expect(a.data.echo.state).toBe('before the write');
      expect(b.data.echo.state).toBe('after the write');
      // And the request after it may join the newer fetch while that one is in flight.
      const newer = run(dataSource, '{ echo { n state } }', gatewayClock(), {}, viewer('u1'));
      await arrived(1);
      const joining = run(dataSource, '{ echo { n state } }', 0, {}, viewer('u1'));
      await settle();
      expect(held.length).toBe(1);
      answerAll();
      expect((await joining).data.echo.n).toBe((await newer).data.echo.n);
    } finally {
      state = 'v0';
      dataSource.close();
    }
  });

  it('never lets a context without an arrival join a fetch in flight (a subscription event\'s follow-up fetches)', async () => {
    const dataSource = new SubgraphDataSource('echo', url, SECRET, 5000, new InflightFetches());
    try {
      const sent = run(dataSource, '{ echo { n } }', gatewayClock(), {}, viewer('u1'));
      await arrived(1);
      const followUp = run(dataSource, '{ echo { n } }', undefined, {}, viewer('u1'));
      await arrived(2);
      answerAll();
      const [a, b] = await Promise.all([sent, followUp]);
      expect(a.data.echo.n).not.toBe(b.data.echo.n);
    } finally {
      dataSource.close();
    }
  });

  it('sends one per viewer and one per set of variables: only the same question from the same principal is shared', async () => {
    const dataSource = new SubgraphDataSource('echo', url, SECRET, 5000, new InflightFetches());
    try {
      const at = gatewayClock();
      const answers = [
        run(dataSource, 'query($id: ID) { echo(id: $id) { n } }', at, { id: '1' }, viewer('u1')),
        run(dataSource, 'query($id: ID) { echo(id: $id) { n } }', at, { id: '1' }, viewer('u2')),
        run(dataSource, 'query($id: ID) { echo(id: $id) { n } }', at, { id: '2' }, viewer('u1')),
      ];
      await arrived(3);
      expect(new Set(held.map((h) => h.token)).size).toBe(2);
      answerAll();
      const ns = (await Promise.all(answers)).map((a) => a.data.echo.n);
      expect(new Set(ns).size).toBe(3);
    } finally {
      dataSource.close();
    }
  });

  it('never shares a mutation, and a query sent after a mutation answered does not join a fetch that began before it', async () => {
    const inflight = new InflightFetches();
    const dataSource = new SubgraphDataSource('echo', url, SECRET, 5000, inflight);
    try {
      // Every request here arrived before every fetch: only the mutation rules keep them apart.
      const at = gatewayClock();
      const before = run(dataSource, '{ echo { n } }', at, {}, viewer('u1'));
      await arrived(1);
      const writes = [run(dataSource, 'mutation { echo { n } }', at, {}, viewer('u1')), run(dataSource, 'mutation { echo { n } }', at, {}, viewer('u1'))];
      // Two identical mutations in flight at once: both sent.
      await arrived(3);
      // Both mutations answered; the query that began before them is still in flight.
      held.splice(1, 2).forEach((h) => h.answer());
      const written = await Promise.all(writes);
      expect(new Set(written.map((w) => w.data.echo.n)).size).toBe(2);
      const after = run(dataSource, '{ echo { n } }', at, {}, viewer('u1'));
      await arrived(2);
      answerAll();
      const [a, b] = await Promise.all([before, after]);
      expect(a.data.echo.n).not.toBe(b.data.echo.n);
    } finally {
      dataSource.close();
    }
  });

  it('sends every fetch when off (GATEWAY_DEDUPLICATE_FETCHES=false)', async () => {
    const dataSource = new SubgraphDataSource('echo', url, SECRET, 5000);
    try {
      const at = gatewayClock();
      const answers = [run(dataSource, '{ echo { n } }', at, {}, viewer('u1')), run(dataSource, '{ echo { n } }', at, {}, viewer('u1'))];
      await arrived(2);
      answerAll();
      await Promise.all(answers);
    } finally {
      dataSource.close();
    }
  });
});

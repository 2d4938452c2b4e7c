import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pooledFetcher, SubgraphDataSource } from '../src/subgraphs.js';

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

import net from 'node:net';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv } from '../src/testing/index.js';

// postgres.js 3.4.9 fetches array types as the first statement of every new connection and drops
// that promise (porsager/postgres#1192, #1205, #1223): when that statement fails (cancelled, or
// the connection dies right then: a database restart, DROP DATABASE ... WITH (FORCE), a failover)
// it raised an unhandled rejection, which ends a Node process. patches/postgres+3.4.9.patch
// (patch-package, at npm install) catches it; the user's query goes on on its own. Here a TCP
// proxy answers the first connection's type query as cancelled (57014). Without the patch vitest
// reports the unhandled rejection and the run fails. Real Postgres only.
describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('a connection lost while postgres.js fetches array types', () => {
  const servers: net.Server[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
  });

  it('settles the query that opened it, and leaves no unhandled rejection behind', async () => {
    const target = new URL(testEnv.TEST_POSTGRES_URL);
    let cut = 0;
    // The server's answer to a cancelled statement (57014), then ReadyForQuery: what the driver
    // gets when its type query meets a statement_timeout or pg_cancel_backend.
    const field = (code: string, text: string) => Buffer.concat([Buffer.from(code), Buffer.from(text), Buffer.from([0])]);
    const fields = Buffer.concat([field('S', 'ERROR'), field('V', 'ERROR'), field('C', '57014'), field('M', 'canceling statement due to statement timeout'), Buffer.from([0])]);
    const errorResponse = Buffer.concat([Buffer.from('E'), Buffer.alloc(4), fields]);
    errorResponse.writeUInt32BE(4 + fields.length, 1);
    const readyForQuery = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);
    const server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      client.on('error', () => {});
      upstream.on('error', () => {});
      upstream.pipe(client);
      client.on('data', (chunk: Buffer) => {
        // The first connection's type query is answered as cancelled instead of being run.
        if (cut === 0 && chunk.includes('typarray')) {
          cut++;
          client.write(Buffer.concat([errorResponse, readyForQuery]));
          return;
        }
        upstream.write(chunk);
      });
    });
    servers.push(server);
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
    const url = new URL(testEnv.TEST_POSTGRES_URL);
    url.hostname = '127.0.0.1';
    url.port = String(port);

    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const sql = postgres(url.toString(), { max: 1, onnotice: () => {}, connect_timeout: 5 });
    try {
      // Either answer is the driver's own: 1, or the type query's error replayed onto it (#1223).
      const answer = await sql`select 1 as one`.then((rows) => rows[0]?.one, (error: { code?: string }) => error.code);
      expect([1, '57014']).toContain(answer);
      expect(cut).toBe(1);
      // Unhandled rejections are reported after the microtask queue drains.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await sql.end({ timeout: 1 });
    }
  });
});

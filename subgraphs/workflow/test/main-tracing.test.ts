import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOtlpReceiver, subgraphClient, TEST_INTERNAL_SECRET, testEnv, waitFor } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAME } from '../src/index.js';

// The subgraph as production runs it, one process of its own (src/main.ts through core's
// runSubgraphMain), with OTEL_EXPORTER_OTLP_ENDPOINT set: its spans reach the collector (a local
// OTLP receiver) under its own service name. Embedded database (PGlite) in a temporary folder: the
// process's settings are what is tested, not the database, so the pglite project runs it only.

describe.skipIf(testEnv.TEST_DATABASE !== 'pglite')('a standalone subgraph process with tracing on', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let child: ChildProcess;
  let url: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'organoise-main-tracing-'));

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    // Not this run's database settings: the process opens its own embedded one.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.endsWith('DATABASE_URL') && name !== 'REDIS_URL'));
    child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: { ...inherited, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, LOG_LEVEL: 'info', NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => (output += chunk.toString('utf8'));
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    await waitFor(() => /"url":"(http:[^"]+)"/.test(output), `the subgraph to listen (output so far: ${output.slice(-500)})`, 240_000);
    url = /"url":"(http:[^"]+)"/.exec(output)![1]!;
  }, 300_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exports the spans of its requests to the collector, as organoise-workflow', async () => {
    const call = subgraphClient(url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET);
    const answer = await call(`{ workflowRun(id: "00000000-0000-4000-8000-000000000000") { id } }`, {}, { userId: '00000000-0000-4000-8000-000000000001', sessionId: 's', memberships: {} });
    expect(answer.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // The batch processor exports about every second.
    await waitFor(() => receiver.spans.some((s) => s.service === 'organoise-workflow'), 'spans from the subgraph process', 60_000);
    expect(receiver.requests.every((r) => r.path === '/v1/traces')).toBe(true);
    expect(new Set(receiver.spans.map((s) => s.service))).toEqual(new Set(['organoise-workflow']));
  }, 120_000);

  it('drains and exits 0 on SIGTERM (Apollo Server installs no termination handler of its own)', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);
});

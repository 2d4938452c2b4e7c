import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { testEnv, waitFor } from '@organoise/core/testing';
import { describe, expect, it } from 'vitest';

// The gateway as production starts it (src/main.ts, its own process, NODE_ENV not "test"), stopped
// with SIGTERM as Kubernetes and the one-box drill stop it: it drains, closes and exits 0. Apollo
// Server's own termination handlers, which it installs outside tests, once kept it from exiting.
// Its subgraphs are unreachable addresses: stopping must not depend on them. The process's
// settings are what is tested, not a database, so one project runs it.

describe.skipIf(testEnv.TEST_DATABASE !== 'pglite')('the gateway process', () => {
  it('drains and exits 0 on SIGTERM, even with its subgraphs out of reach', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const dead = 'http://127.0.0.1:9/graphql';
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SUBGRAPH_') && name !== 'REDIS_URL'));
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: {
        ...inherited,
        NODE_ENV: 'development',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        INTERNAL_TOKEN_SECRET: 'a'.repeat(40),
        WEB: 'false',
        PLAYGROUND: 'false',
        SUBGRAPH_USER_URL: dead,
        SUBGRAPH_WORKFLOW_URL: dead,
        SUBGRAPH_FILE_URL: dead,
        SUBGRAPH_ANALYTICS_URL: dead,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor(() => output.includes('"msg":"gateway listening"'), `the gateway to listen (output so far: ${output.slice(-500)})`, 120_000);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('"msg":"draining"');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 180_000);
});

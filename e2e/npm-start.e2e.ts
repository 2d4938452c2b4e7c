import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codesOf, postGraphQL, testEnv } from '@organoise/core/testing';
import { afterAll, describe, expect, it } from 'vitest';

// `npm start` as production runs it (NODE_ENV=production, its required secrets set): the gateway
// runs only the clients' known operations, as the standalone gateway does, and no demo data is
// made. A real process on real ports, on embedded PGlite; once (the database is not the point).
const root = fileURLToPath(new URL('..', import.meta.url));
let child: ChildProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'organoise-start-'));

afterAll(async () => {
  if (child?.pid && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** A port with the next four free too (the subgraphs take PORT+1..PORT+4). */
async function freeBlock(): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = net.createServer().once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    let free = true;
    for (let i = 0; i < 5 && free; i++) free = await tryPort(base + i);
    if (free) return base;
  }
  throw new Error('no block of five free ports');
}

describe.skipIf(testEnv.TEST_DATABASE === 'postgres')('npm start in production', () => {
  it('enforces the safelist and seeds nothing', async () => {
    const port = await freeBlock();
    child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: String(port),
        DATA_DIR: dataDir,
        INTERNAL_TOKEN_SECRET: randomBytes(32).toString('hex'),
        ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        PUBLIC_APP_URL: 'https://app.example.test',
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes('OrgaNoise is running')) (clearInterval(timer), resolve());
        else if (child!.exitCode !== null) (clearInterval(timer), reject(new Error(`npm start exited: ${output}`)));
      }, 100);
    });
    expect(output).not.toContain('Demo organization');
    const url = `http://127.0.0.1:${port}/graphql`;
    expect(codesOf(await postGraphQL(url, `{ __typename }`))).toEqual(['OPERATION_NOT_ALLOWED']);
    expect(codesOf(await postGraphQL(url, `mutation { signIn(input: { email: "owner@demo.organoise.test", password: "x" }) { accessToken } }`))).toEqual(['OPERATION_NOT_ALLOWED']);
  }, 180_000);
});

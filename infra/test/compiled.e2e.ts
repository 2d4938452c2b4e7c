import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestDatabase, postGraphQL, testEnv, waitFor, type TestDatabase } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES } from '@organoise/core';
import { buildServices, SERVICE_WORKSPACES, undeclaredImports } from '../../scripts/build-service.js';
import { assembleImage, type AssembledImage } from './dockerfile.js';

// Production's way of running, as far as it goes without Docker: `npm run build`'s output
// (scripts/build-service.ts), and each service run from its image laid out as a folder by
// assembleImage (infra/test/dockerfile.ts: its Dockerfile's production stage run for real, `npm
// ci --omit=dev` for that workspace only and patches/ applied, then the runtime stage's COPYs), with
// the image's ENV and CMD (`node --conditions=organoise-compiled .../dist/main.js`); the gateway's
// image without the web app and playground builds (Vite; served with WEB=false here). On a fresh
// Postgres database, with NODE_ENV=production. Node's TypeScript type stripping is off in every
// process, so a TypeScript source loaded by mistake (a missing condition, an import of src/) fails
// the start. The build rewrites each workspace's dist/ (git-ignored) and the production installs
// take a while (npm ci from the npm cache, prefer-offline), so the postgres project runs it only.

const root = resolve(import.meta.dirname, '../..');
const SECRET = randomBytes(32).toString('hex');

type Service = { name: string; child: ChildProcess; url: string; output: () => string; image: AssembledImage };

/** Runs an image's CMD in its folder with its ENV, then this test's settings (a free port, the database). */
function startImage(image: AssembledImage, name: string, env: Record<string, string>): Promise<Service> {
  // Not this run's test settings: only what a container would have.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => ['PATH', 'HOME', 'LANG', 'TZ'].includes(key)));
  const [command, ...args] = image.cmd;
  if (command !== 'node') throw new Error(`${name}: the image runs ${command}`);
  const child = spawn(process.execPath, ['--no-experimental-strip-types', ...args], {
    cwd: image.dir,
    env: { ...inherited, ...image.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', INTERNAL_TOKEN_SECRET: SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => (output += chunk.toString('utf8'));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const started = performance.now();
  return waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${output.slice(-2000)}`);
      return /"url":"(http:[^"]+)"/.test(output);
    },
    `${name} to listen (output so far: ${output.slice(-500)})`,
    240_000,
  ).then(() => {
    console.info(`compiled ${name}: listening after ${Math.round(performance.now() - started)} ms`);
    return { name, child, url: /"url":"(http:[^"]+)"/.exec(output)![1]!, output: () => output, image };
  });
}

/** SIGTERM, and SIGKILL after 30 s: how the processes shut down is the shutdown drill's to test, not this file's. */
async function stop(service: Service | undefined) {
  if (!service || service.child.exitCode !== null) return;
  const exited = new Promise((done) => service.child.once('exit', done));
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** An image's HEALTHCHECK command, in its folder with PORT set as in the container; its exit code. */
const healthcheck = (image: AssembledImage, port: string) =>
  new Promise<number | null>((done) => {
    const [, ...args] = image.healthcheck;
    const child = execFile(process.execPath, args, { cwd: image.dir, env: { PATH: process.env.PATH ?? '', PORT: port }, timeout: 30_000 });
    child.once('exit', (code) => done(code));
  });

/** A port nothing listens on (bound, then released). */
const closedPort = () =>
  new Promise<string>((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(String(port)));
    });
  });

describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('the compiled services (npm run build), run from their images laid out as folders', () => {
  let database: TestDatabase;
  const services: Service[] = [];
  let gateway: Service;
  const dataDir = mkdtempSync(join(tmpdir(), 'organoise-compiled-'));
  const imagesDir = mkdtempSync(join(tmpdir(), 'organoise-images-'));

  beforeAll(async () => {
    const built = await buildServices();
    for (const result of built) console.info(`built ${result.workspace}: ${result.files} files, ${(result.bytes / 1024).toFixed(0)} KiB in ${result.ms} ms`);
    const images: Record<string, AssembledImage> = {};
    // One at a time: each runs npm ci, and two cores are shared.
    for (const name of [...SUBGRAPH_NAMES, 'gateway']) {
      const started = performance.now();
      // The gateway's image without the web app and the playground (Vite builds this test does not make; WEB=false below).
      images[name] = await assembleImage(join(root, `infra/docker/${name}.Dockerfile`), root, join(imagesDir, name), name === 'gateway' ? { skipCopiesOf: ['/app/web/dist', '/app/playground/dist'] } : {});
      console.info(`image ${name} laid out in ${Math.round(performance.now() - started)} ms`);
    }
    database = await createTestDatabase();
    const common = { DATABASE_URL: database.url!, DATA_DIR: dataDir };
    const [user, workflow, analytics] = await Promise.all([
      startImage(images.user!, 'user', {
        ...common,
        PUBLIC_APP_URL: 'https://app.example.test',
        ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        // Sign-up answers at once (production's default mails a link first).
        SIGN_UP_VERIFICATION: 'off',
      }),
      startImage(images.workflow!, 'workflow', common),
      startImage(images.analytics!, 'analytics', common),
    ]);
    services.push(user, workflow, analytics);
    const file = await startImage(images.file!, 'file', { ...common, FILE_STORAGE_DIR: join(dataDir, 'files'), SUBGRAPH_WORKFLOW_URL: workflow.url });
    services.push(file);
    // Search follows its sources (their internal routes), so it starts once they listen.
    const search = await startImage(images.search!, 'search', { ...common, SUBGRAPH_USER_URL: user.url, SUBGRAPH_WORKFLOW_URL: workflow.url, SUBGRAPH_FILE_URL: file.url });
    services.push(search);
    gateway = await startImage(
      images.gateway!,
      'gateway',
      {
        SUBGRAPH_USER_URL: user.url,
        SUBGRAPH_WORKFLOW_URL: workflow.url,
        SUBGRAPH_FILE_URL: file.url,
        SUBGRAPH_ANALYTICS_URL: analytics.url,
        SUBGRAPH_SEARCH_URL: search.url,
        // Ad hoc operations below, not the clients' persisted ones; the web app is not built here.
        SAFELIST: 'off',
        WEB: 'false',
      },
    );
    services.push(gateway);
  }, 600_000);

  afterAll(async () => {
    await Promise.all(services.map(stop));
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    await rm(imagesDir, { recursive: true, force: true });
  });

  it('imports only packages its own workspace lists under dependencies (the images install no others)', async () => {
    for (const workspace of SERVICE_WORKSPACES.filter((w) => w !== 'packages/core')) {
      expect(await undeclaredImports(join(root, workspace)), workspace).toEqual([]);
    }
  }, 120_000);

  it('answers a signed-in query across three subgraphs through the gateway', async () => {
    const graphql = `${gateway.url.replace(/\/graphql$/, '')}/graphql`;
    const signUp = await postGraphQL<{ signUp: { accessToken: string } }>(
      graphql,
      'mutation ($input: SignUpInput!) { signUp(input: $input) { accessToken } }',
      { input: { email: 'compiled@example.test', password: 'compiled-output-runs', name: 'Compiled' } },
    );
    expect(signUp.errors).toBeUndefined();
    const headers = { authorization: `Bearer ${signUp.data!.signUp.accessToken}` };
    const created = await postGraphQL(graphql, 'mutation { createOrganization(input: { name: "Compiled", slug: "compiled" }) { id } }', {}, headers);
    expect(created.errors).toBeUndefined();
    const read = await postGraphQL<{ organizations: { nodes: { name: string; workflows: { totalCount: number }; activity: { activeUsers: number } }[] } }>(
      graphql,
      '{ organizations { nodes { name workflows { totalCount } activity(bucket: DAY) { activeUsers } } } }',
      {},
      headers,
    );
    expect(read.errors).toBeUndefined();
    expect(read.data!.organizations.nodes).toEqual([{ name: 'Compiled', workflows: { totalCount: 0 }, activity: { activeUsers: expect.any(Number) } }]);
    // The search image indexes the new member from the user image's source routes, and the user image completes the hit.
    const organizationId = (created.data as { createOrganization: { id: string } }).createOrganization.id;
    let found: unknown;
    await waitFor(
      async () => {
        const res = await postGraphQL<{ search: { nodes: unknown[] } }>(graphql, 'query ($org: ID!) { search(organizationId: $org, query: "compil") { nodes { ... on User { name } } } }', { org: organizationId }, headers);
        found = res.data?.search.nodes;
        return Array.isArray(found) && found.length > 0;
      },
      'the new member to be searchable',
      60_000,
    );
    expect(found).toEqual([{ name: 'Compiled' }]);
  }, 120_000);

  it('is healthy to the images’ HEALTHCHECK (infra/docker/healthcheck.mjs: GET /readyz), and a closed port is not', async () => {
    for (const service of services) expect(await healthcheck(service.image, new URL(service.url).port), service.name).toBe(0);
    const gatewayReady = await fetch(new URL('/readyz', gateway.url));
    expect(await gatewayReady.json()).toMatchObject({ status: 'ready', subgraphs: { user: 'ok', workflow: 'ok', file: 'ok', analytics: 'ok', search: 'ok' } });
    expect(await healthcheck(gateway.image, await closedPort())).toBe(1);
  }, 120_000);

  it('ran from dist/ only: no TypeScript loaded, and the logs name no source file', () => {
    for (const service of services) {
      expect(service.output(), service.name).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|ERR_NO_TYPESCRIPT|\/src\/[\w/.-]+\.ts/);
    }
  });
});

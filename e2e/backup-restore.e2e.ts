import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, postGraphQL, TEST_INTERNAL_SECRET, testEnv, testLog, type TestDatabase } from '@organoise/core/testing';
import { DEMO_PASSWORD, DEMO_USERS, seedDemo, startPlatform, type Platform } from '@organoise/platform';
import { SUBGRAPH_NAMES, type SubgraphName } from '@organoise/core';
import { backup, BackupError, restore, rowCounts, verifyBackup } from '@organoise/platform/backup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The restore drill (issue 17, docs/operations.md): the demo platform on a real Postgres database,
// backed up with npm run backup's code (pg_dump and the stored files), one more write, then the
// whole thing restored into a fresh database and an empty file folder and started again. It
// measures RTO (restore until the gateway answers a signed-in query) and RPO (the writes made after
// the backup, which the restore cannot have), and checks every table's row count and every file's
// checksum. Postgres only: backups cover Postgres deployments (an embedded one is copied offline).

const SIGN_IN = `mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`;
const RUNS = `{ organizations { nodes { workflowRuns(first: 100) { nodes { id state } } files(first: 100) { nodes { id name } } } } }`;

const start = (db: TestDatabase, fileStorageDir: string) =>
  startPlatform({
    databaseUrls: urls(db),
    dataDir: 'memory',
    fileStorageDir,
    internalTokenSecret: TEST_INTERNAL_SECRET,
    accessTokenIssuer: 'organoise-e2e',
    log: testLog,
  });

const urls = (db: TestDatabase) => Object.fromEntries(SUBGRAPH_NAMES.map((s) => [s, db.url!])) as Record<SubgraphName, string>;
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe.skipIf(testEnv.TEST_DATABASE !== 'postgres')('backup and restore', () => {
  const dirs: string[] = [];
  const dbs: TestDatabase[] = [];
  let platform: Platform | null = null;
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    dbs.push(await createTestDatabase(), await createTestDatabase());
  });

  afterAll(async () => {
    await platform?.close();
    for (const db of dbs) await db.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('restores the demo platform into a fresh database and file folder, every row and file back, and serves it again (RTO and RPO measured)', async () => {
    const [original, fresh] = dbs as [TestDatabase, TestDatabase];
    const files = tempDir('organoise-files-');
    platform = await start(original, files);
    await seedDemo(platform.gateway.url);
    const signIn = async () => (await postGraphQL(platform!.gateway.url, SIGN_IN, { i: { email: DEMO_USERS[0].email, password: DEMO_PASSWORD } })).data!.signIn.accessToken as string;
    const before = await postGraphQL(platform.gateway.url, RUNS, {}, { authorization: `Bearer ${await signIn()}` });

    const target = join(tempDir('organoise-backup-'), 'backup');
    const backedUpAt = Date.now();
    const manifest = await backup({ databaseUrls: urls(original), fileStorageDir: files }, target);
    const backupMs = Date.now() - backedUpAt;
    expect(manifest.databases).toHaveLength(1); // one database shared by the four: one consistent snapshot
    expect(manifest.files.length).toBeGreaterThan(0);
    for (const schema of ['users', 'workflow', 'files', 'analytics']) expect(Object.keys(manifest.databases[0]!.rows).some((t) => t.startsWith(`${schema}.`))).toBe(true);

    // A write after the backup: what a restore loses (the RPO of daily dumps without WAL archiving).
    const token = await signIn();
    const lost = await postGraphQL(platform.gateway.url, `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'After the backup', slug: `after-${Date.now()}` } }, { authorization: `Bearer ${token}` });
    expect(lost.errors).toBeUndefined();
    await platform.close();
    platform = null;

    // The disaster: a fresh database and an empty file folder.
    const restoredFiles = tempDir('organoise-restored-');
    const restoreStarted = Date.now();
    await restore(target, { databaseUrls: urls(fresh), fileStorageDir: restoredFiles });
    const restoredAt = Date.now();
    // Counted before the platform starts again: signing in writes sessions and audit events.
    const restoredRows = await rowCounts(fresh.url!, SUBGRAPH_NAMES);
    platform = await start(fresh, restoredFiles);
    const after = await postGraphQL(platform.gateway.url, RUNS, {}, { authorization: `Bearer ${await signIn()}` });
    const rto = Date.now() - restoreStarted;

    expect(after.errors).toBeUndefined();
    expect(after.data).toEqual(before.data);
    expect(restoredRows).toEqual(manifest.databases[0]!.rows);
    for (const file of manifest.files) expect(sha256(join(restoredFiles, ...file.path.split('/')))).toBe(file.sha256);
    const orgs = await postGraphQL(platform.gateway.url, `{ organizations { nodes { name } } }`, {}, { authorization: `Bearer ${await signIn()}` });
    expect(orgs.data!.organizations.nodes.map((o: { name: string }) => o.name)).not.toContain('After the backup');
    const rows = Object.values(manifest.databases[0]!.rows).reduce((a, b) => a + b, 0);
    console.log(
      `Restore drill: backup of ${rows} rows and ${manifest.files.length} files took ${backupMs} ms; ` +
        `RTO ${rto} ms (restore ${restoredAt - restoreStarted} ms, start and first signed-in answer ${Date.now() - restoredAt} ms); RPO: 1 write made after the backup lost`,
    );
  }, 240_000);

  it('refuses a damaged backup, a database that is not empty and a file folder that is not, writing nothing', async () => {
    const [original] = dbs as [TestDatabase, TestDatabase];
    const files = tempDir('organoise-files-');
    writeFileSync(join(files, 'blob'), 'content');
    const target = join(tempDir('organoise-backup-'), 'backup');
    await backup({ databaseUrls: urls(original), fileStorageDir: files }, target);
    const empty = await createTestDatabase();
    dbs.push(empty);

    // Into a database that already holds the platform: refused before anything is written.
    await expect(restore(target, { databaseUrls: urls(original), fileStorageDir: tempDir('organoise-x-') })).rejects.toThrow(/already holds/);
    // Into a file folder that is not empty.
    await expect(restore(target, { databaseUrls: urls(empty), fileStorageDir: files })).rejects.toThrow(/not empty/);
    // Into a layout other than the backup's (the user subgraph on a database of its own).
    const other = await createTestDatabase();
    dbs.push(other);
    await expect(restore(target, { databaseUrls: { ...urls(empty), user: other.url! }, fileStorageDir: tempDir('organoise-x-') })).rejects.toThrow(/same layout/);
    // A backup whose file no longer matches its checksum.
    writeFileSync(join(target, 'files', 'blob'), 'tampered');
    await expect(verifyBackup(target)).rejects.toBeInstanceOf(BackupError);
    await expect(restore(target, { databaseUrls: urls(empty), fileStorageDir: tempDir('organoise-x-') })).rejects.toThrow(/checksum/);
    expect(await rowCounts(empty.url!, SUBGRAPH_NAMES)).toEqual({});
  }, 120_000);
});

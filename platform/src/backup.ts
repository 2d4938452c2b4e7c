import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { databaseSchemaOf, SUBGRAPH_NAMES, type SubgraphName } from '@organoise/core';
import postgres from 'postgres';

/**
 * Backups of a Postgres deployment (docs/operations.md, "Backups and recovery"): every database
 * the subgraphs use, dumped by pg_dump in its custom format, and the stored files, each with a
 * SHA-256 in a manifest that a restore checks before it writes anything.
 *
 * Consistency: pg_dump reads one database in one transaction, so the platform's usual layout (one
 * database, a schema per subgraph) is backed up as one snapshot. With a database per subgraph the
 * dumps are taken one after the other: each is consistent, and the cross-subgraph links (ids in
 * events and references) can point at rows written between two dumps; the event followers resume
 * from their cursors after a restore. Files are copied after the databases, so every file a
 * restored row names is there (the file subgraph never rewrites a stored blob; a later upload is
 * an extra file no row names).
 *
 * pg_dump and pg_restore come from the machine (Debian's postgresql-client); a dump restores into
 * the same or a newer major version.
 */

const run = promisify(execFile);

export interface BackupSource {
  /** The Postgres URL each subgraph uses (several may share one database). */
  databaseUrls: Record<SubgraphName, string>;
  /** Where the file subgraph stores files on local disk (FILE_STORAGE_DIR). */
  fileStorageDir: string;
}

export interface BackupManifest {
  format: 'organoise-backup/1';
  createdAt: string;
  pgDump: string;
  /** One dump per distinct database, with the subgraphs that use it. */
  databases: { file: string; subgraphs: SubgraphName[]; bytes: number; sha256: string; rows: Record<string, number> }[];
  files: { path: string; bytes: number; sha256: string }[];
}

export class BackupError extends Error {}

/** One entry per distinct database URL, in subgraph order: a shared database is dumped once. */
function databasesOf(urls: Record<SubgraphName, string>): { url: string; subgraphs: SubgraphName[] }[] {
  const byUrl = new Map<string, SubgraphName[]>();
  for (const name of SUBGRAPH_NAMES) {
    const url = urls[name];
    if (!url) throw new BackupError(`no database URL for the ${name} subgraph: backups cover Postgres deployments (stop an embedded one and copy DATA_DIR instead)`);
    byUrl.set(url, [...(byUrl.get(url) ?? []), name]);
  }
  return [...byUrl].map(([url, subgraphs]) => ({ url, subgraphs }));
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function listFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string) => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push(path);
    }
  };
  await walk(root);
  return found.sort();
}

/** Exact row counts of every table in the subgraphs' schemas and their migration records. */
export async function rowCounts(url: string, subgraphs: readonly SubgraphName[]): Promise<Record<string, number>> {
  const schemas = subgraphs.map((s) => databaseSchemaOf(s));
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const tables = await sql<{ schema: string; name: string }[]>`
      select table_schema as schema, table_name as name from information_schema.tables
      where table_type = 'BASE TABLE'
        and (table_schema in ${sql(schemas)} or (table_schema = 'drizzle' and table_name in ${sql(schemas.map((s) => `${s}_migrations`))}))
      order by 1, 2`;
    const counts: Record<string, number> = {};
    for (const { schema, name } of tables) {
      const [row] = await sql.unsafe(`select count(*)::int as n from "${schema}"."${name}"`);
      counts[`${schema}.${name}`] = row!.n as number;
    }
    return counts;
  } finally {
    await sql.end();
  }
}

/** Writes a backup of `source` into `target` (created; must be empty or absent). */
export async function backup(source: BackupSource, target: string): Promise<BackupManifest> {
  await mkdir(target, { recursive: true });
  if ((await readdir(target)).length > 0) throw new BackupError(`${target} is not empty`);
  const { stdout: version } = await run('pg_dump', ['--version']);
  const manifest: BackupManifest = { format: 'organoise-backup/1', createdAt: new Date().toISOString(), pgDump: version.trim(), databases: [], files: [] };
  for (const [i, { url, subgraphs }] of databasesOf(source.databaseUrls).entries()) {
    const file = `database-${i + 1}.dump`;
    // Counted before the dump: with writes going on the dump may hold more, never fewer (a restore
    // checks "at least"). Quiesced (the drill), they are equal.
    const rows = await rowCounts(url, subgraphs);
    for (const name of subgraphs) {
      if (!Object.keys(rows).some((table) => table.startsWith(`${databaseSchemaOf(name)}.`))) throw new BackupError(`the ${name} subgraph has no tables in ${databaseSchemaOf(name)} at that database: is it the right URL?`);
    }
    await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${join(target, file)}`, url], { maxBuffer: 16 * 1024 * 1024 });
    manifest.databases.push({ file, subgraphs, bytes: (await stat(join(target, file))).size, sha256: await sha256Of(join(target, file)), rows });
  }
  for (const path of await listFiles(source.fileStorageDir)) {
    const name = relative(source.fileStorageDir, path).split(sep).join('/');
    const copy = join(target, 'files', name);
    await mkdir(dirname(copy), { recursive: true });
    await copyFile(path, copy);
    manifest.files.push({ path: name, bytes: (await stat(copy)).size, sha256: await sha256Of(copy) });
  }
  await writeFile(join(target, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Reads a backup's manifest and checks every checksum; throws BackupError on the first mismatch. */
export async function verifyBackup(dir: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
  } catch (error) {
    throw new BackupError(`${dir} holds no readable manifest.json (${(error as Error).message})`);
  }
  if (manifest.format !== 'organoise-backup/1') throw new BackupError(`unknown backup format ${String(manifest.format)}`);
  const entries = [...manifest.databases.map((d) => ({ path: d.file, sha256: d.sha256 })), ...manifest.files.map((f) => ({ path: join('files', f.path), sha256: f.sha256 }))];
  for (const { path, sha256 } of entries) {
    let actual: string;
    try {
      actual = await sha256Of(join(dir, path));
    } catch {
      throw new BackupError(`${path} is missing from the backup`);
    }
    if (actual !== sha256) throw new BackupError(`${path} does not match its checksum: the backup is damaged`);
  }
  return manifest;
}

/**
 * Restores a backup into empty databases and an empty file folder. The layout must match the
 * backup's (the same subgraphs sharing a database); nothing is written unless every checksum holds
 * and every target database is free of the subgraphs' schemas.
 */
export async function restore(dir: string, target: BackupSource): Promise<BackupManifest> {
  const manifest = await verifyBackup(dir);
  const targets = databasesOf(target.databaseUrls);
  const layout = (list: { subgraphs: SubgraphName[] }[]) => JSON.stringify(list.map((d) => d.subgraphs));
  if (layout(targets) !== layout(manifest.databases)) {
    throw new BackupError(`the backup's databases hold ${layout(manifest.databases)}, the target's ${layout(targets)}: restore into the same layout`);
  }
  for (const { url, subgraphs } of targets) {
    const present = Object.keys(await rowCounts(url, subgraphs));
    if (present.length > 0) throw new BackupError(`the target database already holds ${present.slice(0, 3).join(', ')}…: restore into an empty database`);
  }
  if ((await listFiles(target.fileStorageDir)).length > 0) throw new BackupError(`${target.fileStorageDir} is not empty`);
  for (const [i, { url, subgraphs }] of targets.entries()) {
    const source = manifest.databases[i]!;
    await run('pg_restore', ['--exit-on-error', '--no-owner', '--no-privileges', `--dbname=${url}`, join(dir, source.file)], { maxBuffer: 16 * 1024 * 1024 });
    const restored = await rowCounts(url, subgraphs);
    for (const [table, rows] of Object.entries(source.rows)) {
      if ((restored[table] ?? -1) < rows) throw new BackupError(`${table} holds ${restored[table] ?? 'no'} rows after the restore, the backup counted ${rows}`);
    }
  }
  for (const file of manifest.files) {
    const destination = join(target.fileStorageDir, ...file.path.split('/'));
    await mkdir(dirname(destination), { recursive: true });
    await copyFile(join(dir, 'files', ...file.path.split('/')), destination);
  }
  return manifest;
}

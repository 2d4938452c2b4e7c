import { backup, BackupError, restore } from '@organoise/platform/backup';
import { env } from './env.js';

/**
 * `npm run backup [-- DIR]` and `npm run restore -- DIR`: the platform's Postgres databases and
 * stored files (platform/src/backup.ts), with the same settings as `npm start`
 * (DATABASE_URL or the per-subgraph URLs, FILE_STORAGE_DIR or DATA_DIR/files). A restore goes
 * into empty databases and an empty file folder; docs/operations.md is the runbook.
 */
const [command, dir] = process.argv.slice(2);
const source = {
  databaseUrls: {
    user: env.USER_DATABASE_URL ?? env.DATABASE_URL ?? '',
    workflow: env.WORKFLOW_DATABASE_URL ?? env.DATABASE_URL ?? '',
    file: env.FILE_DATABASE_URL ?? env.DATABASE_URL ?? '',
    analytics: env.ANALYTICS_DATABASE_URL ?? env.DATABASE_URL ?? '',
    search: env.SEARCH_DATABASE_URL ?? env.DATABASE_URL ?? '',
  },
  fileStorageDir: env.FILE_STORAGE_DIR ?? `${env.DATA_DIR}/files`,
};

try {
  if (command === 'backup') {
    const target = dir ?? `backups/${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const started = Date.now();
    const manifest = await backup(source, target);
    const rows = manifest.databases.reduce((n, d) => n + Object.values(d.rows).reduce((a, b) => a + b, 0), 0);
    console.log(`backup written to ${target}: ${manifest.databases.length} database dump(s), ${rows} rows, ${manifest.files.length} files, in ${Date.now() - started} ms`);
  } else if (command === 'restore' && dir) {
    const started = Date.now();
    const manifest = await restore(dir, source);
    console.log(`restored ${dir} (taken ${manifest.createdAt}): ${manifest.databases.length} database dump(s), ${manifest.files.length} files, in ${Date.now() - started} ms`);
  } else {
    console.error('usage: npm run backup [-- DIR] | npm run restore -- DIR');
    process.exitCode = 2;
  }
} catch (error) {
  if (!(error instanceof BackupError)) throw error;
  console.error(`${command} refused: ${error.message}`);
  process.exitCode = 1;
}

import { fileURLToPath } from 'node:url';
import { PGLITE_EXTENSIONS } from '../../src/engine/extensions.js';
import { openDatabase } from '@organoise/core';
import { createTestDatabase } from '@organoise/core/testing';
import { describe, expect, it } from 'vitest';
import { openPostgresSearchIndex, requireTextSearchConfig } from '../../src/engine/postgres.js';
import { searchIndexContract } from './contract.js';

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));

async function openSearchDatabase() {
  const testDb = await createTestDatabase();
  const database = await openDatabase({ url: testDb.url, dataDir: testDb.dataDir, schema: 'search', migrationsFolder: MIGRATIONS, pgliteExtensions: PGLITE_EXTENSIONS });
  return { database, close: async () => (await database.close(), await testDb.drop()) };
}

searchIndexContract('Postgres', async () => {
  const { database, close } = await openSearchDatabase();
  return openPostgresSearchIndex(database.db, { language: 'simple', onClose: close });
});

describe('PostgresSearchIndex settings', () => {
  it('refuses a SEARCH_LANGUAGE the database does not have, naming those it has', async () => {
    const { database, close } = await openSearchDatabase();
    try {
      await expect(requireTextSearchConfig(database.db, 'klingon')).rejects.toThrow(/SEARCH_LANGUAGE 'klingon' is not a text search configuration.*english.*simple/);
      await requireTextSearchConfig(database.db, 'english');
    } finally {
      await close();
    }
  });

  it('a start with another language rewrites the indexed rows under it (english stems: "runs" finds "running")', async () => {
    const { database, close } = await openSearchDatabase();
    try {
      const org = crypto.randomUUID();
      const simple = await openPostgresSearchIndex(database.db, { language: 'simple' });
      await simple.upsert([{ type: 'File', id: 'f', organizationId: org, minRole: 'VIEWER', title: 'Notes', body: 'Running', keywords: {}, updatedAt: new Date().toISOString() }]);
      const query = { organizationId: org, viewerRole: 'VIEWER' as const, text: 'runs', types: null, first: 5, after: null };
      expect((await simple.search(query)).total).toBe(0);
      const english = await openPostgresSearchIndex(database.db, { language: 'english' });
      expect((await english.search(query)).total).toBe(1);
    } finally {
      await close();
    }
  });
});

import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/** The Postgres extensions the search schema's migrations create: PGlite loads them before migrating. */
export const PGLITE_EXTENSIONS = { pg_trgm, fuzzystrmatch, btree_gin };

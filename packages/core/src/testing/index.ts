import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { signInternalToken, INTERNAL_TOKEN_HEADER, type Viewer } from '../identity.js';
import { createLogger, type Logger } from '../log.js';
import type { SearchDocument, SearchType } from '../search/protocol.js';
import { testEnv } from './env.js';

export { testEnv };

export const testLog = createLogger({ test: true }, testEnv.TEST_LOG_LEVEL);

/**
 * A real logger (pino, with its redaction) at every level whose lines are kept instead of written:
 * tests grep exactly what production would write.
 */
export function capturingLogger(fields: Record<string, unknown> = {}, lines: string[] = []): Logger & { lines: string[] } {
  const log = createLogger(fields, 'debug', { destination: { write: (line: string) => void lines.push(line.endsWith('\n') ? line.slice(0, -1) : line) } });
  return Object.assign(log, { lines });
}

export interface TestDatabase {
  /** postgres:// URL of a fresh database, or undefined for in-memory PGlite. */
  url: string | undefined;
  dataDir: 'memory' | undefined;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test file: a new database on the real Postgres server when
 * TEST_DATABASE=postgres, otherwise in-memory PGlite. Either way the service's own migrations
 * build it, so both projects of the suite test the same schema.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testEnv.TEST_DATABASE === 'pglite') return { url: undefined, dataDir: 'memory', drop: async () => {} };
  const name = `organoise_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(testEnv.TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(testEnv.TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dataDir: undefined,
    drop: async () => {
      const dropper = postgres(testEnv.TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

export interface GraphQLResponse<D = Record<string, any>> {
  status: number;
  data?: D | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

/** POSTs one GraphQL operation as a client would and returns status, data and errors. */
export async function postGraphQL<D = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<D>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: { data?: D | null; errors?: GraphQLResponse['errors'] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON response ${response.status}: ${text.slice(0, 200)}`);
  }
  return { status: response.status, ...body };
}

/** A client for calling one subgraph directly, as the gateway would, with a signed internal token. */
export function subgraphClient(url: string, name: string, secret: string) {
  return async <D = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, viewer: Viewer | null = null) =>
    postGraphQL<D>(url, query, variables, { [INTERNAL_TOKEN_HEADER]: await signInternalToken(secret, name, viewer) });
}

export const TEST_INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef';

/** The error codes of a response, for asserting refusals. */
export const codesOf = (response: GraphQLResponse) => (response.errors ?? []).map((e) => e.extensions?.code);
export * from './subscriptions.js';
export * from './services.js';
export * from './otlp.js';

/** A search document as the tests of sources and indexes write them: a member-visible title, nothing else, unless `extra` says. */
export const testSearchDocument = (organizationId: string, type: SearchType, id: string, title: string, extra: Partial<SearchDocument> = {}): SearchDocument => ({
  type,
  id,
  organizationId,
  minRole: 'VIEWER',
  title,
  body: '',
  keywords: {},
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

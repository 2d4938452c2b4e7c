import type { DocumentNode } from 'graphql';

/**
 * Persisted operations (docs/decisions/0010-persisted-operations.md): codegen
 * writes each document with the sha256 of its text in `__meta__.hash` and lists the texts in
 * src/gql/persisted-documents.json, which schema/safelist.ts copies into the gateway's safelist.
 * The app sends only the hash, so it runs on a gateway that enforces the list (production). There
 * is no fallback to text outside a development server (ApiOptions.sendText, the web app's
 * `npm run dev`): an operation changed in development needs `npm run generate` and a gateway
 * restart (it loads the list at start) before a built app can run it.
 */
export function persistedHash(document: DocumentNode): string {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof hash !== 'string') throw new Error('This operation is not a persisted document (write it with graphql() and run `npm run generate`)');
  return hash;
}

/** Apollo's persisted-query extension, as the gateway reads it on every transport. */
export const persistedQuery = (document: DocumentNode) => ({ persistedQuery: { version: 1, sha256Hash: persistedHash(document) } });

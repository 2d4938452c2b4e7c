import type { DocumentNode } from 'graphql';

/**
 * Persisted operations (docs/decisions/0010-persisted-operations.md). graphql-codegen writes each
 * document with the sha256 of its text in `__meta__.hash` and lists the texts in
 * src/gql/persisted-documents.json, which schema/safelist.ts copies into the gateway's safelist.
 * The built app sends only the hash: a production gateway runs nothing else (SAFELIST=enforce),
 * and the text Apollo would print differs from the listed one anyway.
 *
 * Only the development server (`npm run dev`) may send text: there an operation edited since the
 * gateway loaded its list is not listed yet.
 */
export const SEND_TEXT = import.meta.env.DEV;

export function persistedHash(document: DocumentNode): string {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  // Every document comes from graphql() in src/gql; one that does not has no listed text to run.
  if (typeof hash !== 'string') throw new Error('This operation is not a persisted document (write it with graphql() and run `npm run generate`)');
  return hash;
}

/** Apollo's persisted-query extension, as the gateway reads it on every transport. */
export const persistedQuery = (document: DocumentNode) => ({ persistedQuery: { version: 1, sha256Hash: persistedHash(document) } });

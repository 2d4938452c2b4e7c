import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { appError, z } from '@organoise/core';
import type { GraphQLError } from 'graphql';

/**
 * Persisted-operation safelist. The list is an Apollo persisted query manifest (schema/safelist.ts
 * builds schema/safelist.json from the clients' operations); each entry's `id` is the sha256 of
 * its `body`, which is what clients send as `extensions.persistedQuery.sha256Hash`.
 *
 * With a list loaded, a request may name an operation by id alone, over POST or GET (Apollo's
 * persisted-query protocol, served from the list: nothing can be registered, unlike automatic
 * persisted queries). In `enforce` mode, an operation runs only if the request names a listed id
 * or sends a listed body verbatim; anything else is refused, before parsing, with 400
 * OPERATION_NOT_ALLOWED. In `off` mode unknown operations run as usual.
 */
export type SafelistMode = 'off' | 'enforce';

const manifestSchema = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string(),
      type: z.enum(['query', 'mutation', 'subscription']),
      body: z.string().min(1),
    }),
  ),
});

export type PersistedQueryManifest = z.output<typeof manifestSchema>;

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// Apollo Server prefixes the keys it asks its persisted-query cache for.
const APQ_PREFIX = 'apq:';

export class Safelist {
  private readonly bodies = new Map<string, string>();
  private readonly hashes = new Set<string>();

  constructor(manifest: PersistedQueryManifest) {
    for (const operation of manifest.operations) {
      if (this.bodies.has(operation.id)) throw new Error(`safelist: operation id ${operation.id} is listed twice`);
      this.bodies.set(operation.id, operation.body);
      this.hashes.add(sha256(operation.body));
    }
  }

  static load(path: string): Safelist {
    const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) throw new Error(`safelist ${path} is not an Apollo persisted query manifest: ${parsed.error.message}`);
    return new Safelist(parsed.data);
  }

  get size(): number {
    return this.bodies.size;
  }

  /** Null when a request for this operation may go on; the refusal otherwise. */
  check(request: { query?: unknown; extensions?: unknown }): GraphQLError | null {
    if (typeof request.query === 'string') return this.hashes.has(sha256(request.query)) ? null : notAllowed();
    const id = persistedQueryId(request.extensions);
    if (id !== undefined) return this.bodies.has(id) ? null : notAllowed();
    return null; // no operation at all: the server's own BAD_REQUEST says so
  }

  /**
   * The text of the operation a request names: its query, else the listed body of its persisted
   * id (transports that parse on their own resolve ids here). Undefined when neither is known.
   */
  resolve(request: { query?: unknown; extensions?: unknown }): string | undefined {
    if (typeof request.query === 'string') return request.query;
    const id = persistedQueryId(request.extensions);
    return id === undefined ? undefined : this.bodies.get(id);
  }

  /** Apollo Server's persisted-query cache, read-only over the list: ids resolve, registering does nothing. */
  persistedQueryCache() {
    return {
      get: async (key: string) => this.bodies.get(key.startsWith(APQ_PREFIX) ? key.slice(APQ_PREFIX.length) : key),
      set: async () => {},
      delete: async () => false,
    };
  }
}

const notAllowed = () => appError('OPERATION_NOT_ALLOWED', 'This gateway runs only known operations, and this is not one of them');

function persistedQueryId(extensions: unknown): string | undefined {
  const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery?.sha256Hash;
  return typeof hash === 'string' ? hash : undefined;
}

import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  API_KEY_SESSION_PREFIX,
  appError,
  id,
  idempotencyKey,
  ipAllowed,
  allowListInput,
  nonBlank,
  notFound,
  once,
  orderBy,
  paginate,
  parseInput,
  requirePerson,
  roleAtLeast,
  z,
  type ApiKeyPrincipal,
  type PageArgs,
  type Role,
  type SortKey,
  requireRoleFrom,
  transactionWithEvents,
} from '@organoise/core';
import { and, count, eq, isNull } from 'drizzle-orm';
import { apiKeys, idempotencyKeys } from '../../db/schema.js';
import type { Deps, UserServices } from '../../services.js';
import { audit } from '../audit/audit.js';
import { emitApiKeyRevoked } from './events.js';
import { allowListsOf } from '../organizations/allow-lists.js';
import { membershipRole } from '../organizations/memberships.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/**
 * Secret format: `onk_<key id>_<32 random bytes, base64url>`. The id lets the lookup go by primary
 * key; the random part is the credential. Stored as SHA-256: with 256 bits of entropy a fast hash
 * cannot be brute-forced (slow hashes such as argon2 protect low-entropy passwords, and would make
 * every principal lookup of the gateway cost tens of milliseconds for nothing).
 */
const SECRET_PATTERN = /^onk_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const hashSecret = (secret: string) => createHash('sha256').update(secret).digest();
/** How often lastUsedAt is written: enough to see which keys are in use, without a write per request. */
const LAST_USED_GRANULARITY_MS = 60_000;

const allowList = allowListInput();

export const CreateApiKeyInput = z.object({
  organizationId: id(),
  name: nonBlank(100),
  role: z.enum(['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']).default('VIEWER'),
  expiresAt: z.coerce.date().nullish(),
  ipAllowList: allowList.nullish(),
  idempotencyKey: idempotencyKey(),
});

/**
 * Creates a key in an organization the caller administers; the secret is returned once. A retry
 * with the same idempotency key creates nothing more: its first answer, with the only copy of the
 * secret, was lost, so the same key gets a new secret (the lost one stops working).
 */
export async function createApiKey(deps: Deps, rawInput: unknown): Promise<{ apiKey: ApiKeyRow; secret: string }> {
  const v = requirePerson(deps.viewer);
  const { idempotencyKey: key, ...input } = parseInput(CreateApiKeyInput, rawInput);
  const callerRole = await requireRoleFrom(deps.roles, v, input.organizationId, 'ADMIN');
  // OWNER is a person's role (it can delete the organization, manage owners): never a program's.
  if (input.role === 'OWNER' || !roleAtLeast(callerRole, input.role)) {
    throw appError('ROLE_TOO_HIGH', `A key may hold ADMIN, MEMBER or VIEWER, and not more than your own role (${callerRole})`);
  }
  const now = deps.clock.now();
  if (input.expiresAt && input.expiresAt <= now) {
    throw appError('BAD_USER_INPUT', 'The expiry must be in the future', { issues: [{ path: 'expiresAt', message: 'must be in the future' }] });
  }
  const keyId = randomUUID();
  const newSecret = (id: string) => `onk_${id}_${randomBytes(32).toString('base64url')}`;
  const sealed = (secret: string) => ({ secretHash: hashSecret(secret).toString('hex'), prefix: secret.slice(0, 4 + 36 + 1 + 4) });
  const secret = newSecret(keyId);
  return deps.db.transaction(async (tx) => {
    const outcome = await once(tx, idempotencyKeys, { viewer: v, key, operation: 'createApiKey', input }, async () => {
      const [row] = await tx
        .insert(apiKeys)
        .values({
          id: keyId,
          organizationId: input.organizationId,
          name: input.name,
          role: input.role,
          ...sealed(secret),
          allowList: input.ipAllowList ?? [],
          createdBy: v.userId,
          createdAt: now,
          expiresAt: input.expiresAt ?? null,
        })
        .returning();
      await audit(deps, { type: 'API_KEY_CREATED', organizationId: input.organizationId, details: { id: keyId, name: input.name, role: input.role } }, tx);
      return row!;
    });
    if ('created' in outcome) return { apiKey: outcome.created, secret };
    const again = newSecret(outcome.replayedId);
    const [row] = await tx
      .update(apiKeys)
      .set(sealed(again))
      .where(and(eq(apiKeys.id, outcome.replayedId), isNull(apiKeys.revokedAt)))
      .returning();
    if (!row) throw appError('CONFLICT', 'The API key this request created has been revoked since; use a new idempotency key for a new key');
    return { apiKey: row, secret: again };
  });
}

/** Ends a key; the gateway refuses it from its next lookup. Revoking a revoked key changes nothing. */
export async function revokeApiKey(deps: Deps, rawId: unknown): Promise<ApiKeyRow> {
  const v = requirePerson(deps.viewer);
  const keyId = parseInput(id(), rawId);
  const [existing] = await deps.db.select().from(apiKeys).where(eq(apiKeys.id, keyId));
  if (!existing) throw notFound('API key');
  await requireRoleFrom(deps.roles, v, existing.organizationId, 'ADMIN').catch((error: unknown) => {
    // Another tenant's key is as unknown as a key that does not exist.
    throw (error as { extensions?: { code?: string } }).extensions?.code === 'NOT_FOUND' ? notFound('API key') : error;
  });
  return transactionWithEvents(deps.db, deps.bus, async (tx, emit) => {
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokedAt: deps.clock.now() })
      .where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
      .returning();
    if (!revoked) return existing;
    await audit(deps, { type: 'API_KEY_REVOKED', organizationId: existing.organizationId, details: { id: keyId, name: existing.name } }, tx);
    await emitApiKeyRevoked(emit, existing.organizationId, { apiKeyId: keyId, actorId: v.userId });
    return revoked;
  });
}

/** An organization's keys, newest first; owners and admins only. */
export async function listApiKeys(deps: Deps, organizationId: string, args: PageArgs) {
  await requireRoleFrom(deps.roles, deps.viewer, organizationId, 'ADMIN');
  const keys: SortKey<ApiKeyRow>[] = [
    { column: apiKeys.createdAt, cast: 'timestamptz', direction: 'DESC', value: (r) => r.createdAt },
    { column: apiKeys.id, cast: 'uuid', direction: 'DESC', value: (r) => r.id },
  ];
  const where = eq(apiKeys.organizationId, organizationId);
  return paginate({
    args,
    keys,
    fetch: (after, limit) => deps.db.select().from(apiKeys).where(and(where, after)).orderBy(...orderBy(keys)).limit(limit),
    count: async () => (await deps.db.select({ n: count() }).from(apiKeys).where(where))[0]?.n ?? 0,
  });
}

export type ApiKeyLookup = { ok: true; principal: ApiKeyPrincipal } | { ok: false; code: 'API_KEY_INVALID' | 'API_KEY_REVOKED' | 'API_KEY_EXPIRED' | 'IP_NOT_ALLOWED' };

/**
 * The gateway's lookup (internal route): the principal an API key stands for, checked against the
 * address it is used from. Refusals of a real key are audited; a string that names no key is not
 * (anyone can send one, and it says nothing about any organization).
 */
export async function resolveApiKey(deps: Pick<UserServices, 'db' | 'clock'> & { log: Deps['log'] }, secret: string, clientIp: string | null): Promise<ApiKeyLookup> {
  const match = SECRET_PATTERN.exec(secret);
  if (!match) return { ok: false, code: 'API_KEY_INVALID' };
  const [row] = await deps.db.select().from(apiKeys).where(eq(apiKeys.id, match[1]!));
  if (!row) return { ok: false, code: 'API_KEY_INVALID' };
  const refuse = async (code: Exclude<ApiKeyLookup, { ok: true }>['code'], reason: string) => {
    await audit({ ...deps, viewer: null, clientIp }, { type: 'API_KEY_REFUSED', actorId: null, organizationId: row.organizationId, details: { id: row.id, reason } });
    return { ok: false as const, code };
  };
  // Constant time: how much of the hash matched must not show in how long the answer took.
  const presented = hashSecret(secret);
  const stored = Buffer.from(row.secretHash, 'hex');
  if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) return refuse('API_KEY_INVALID', 'WRONG_SECRET');
  const now = deps.clock.now();
  if (row.revokedAt) return refuse('API_KEY_REVOKED', 'REVOKED');
  if (row.expiresAt && row.expiresAt <= now) return refuse('API_KEY_EXPIRED', 'EXPIRED');
  if (!ipAllowed(row.allowList, clientIp)) return refuse('IP_NOT_ALLOWED', 'IP_NOT_ALLOWED');
  // A key acts for its creator: never above the role they hold now, and not at all once they
  // left the organization (or their account is gone).
  const creatorRole = row.createdBy ? await membershipRole(deps.db, row.createdBy, row.organizationId) : null;
  if (!creatorRole) return refuse('API_KEY_REVOKED', 'CREATOR_LEFT');
  const role: Role = roleAtLeast(row.role, creatorRole) ? creatorRole : row.role;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_GRANULARITY_MS) {
    await deps.db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.id));
  }
  return {
    ok: true,
    principal: {
      userId: row.id,
      sessionId: `${API_KEY_SESSION_PREFIX}${row.id}`,
      memberships: { [row.organizationId]: role },
      allowLists: await allowListsOf(deps.db, [row.organizationId]),
      keyId: row.id,
      keyAllowList: row.allowList,
      expiresAt: row.expiresAt ? row.expiresAt.toISOString() : null,
    },
  };
}

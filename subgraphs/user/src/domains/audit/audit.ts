import { randomUUID } from 'node:crypto';
import { appError, id, orderBy, paginate, parseInput, z, type Database, type PageArgs, type SortKey } from '@organoise/core';
import { and, count, eq, gte, lt, sql } from 'drizzle-orm';
import { auditEvents } from '../../db/schema.js';
import type { Deps, UserServices } from '../../services.js';

export const AUDIT_EVENT_TYPES = [
  'SIGN_UP',
  'SIGN_IN',
  'SIGN_IN_FAILED',
  'LOCKOUT',
  'SIGN_OUT',
  'SIGNED_OUT_EVERYWHERE',
  'SESSION_REVOKED',
  'REFRESH_TOKEN_REUSED',
  'PASSWORD_CHANGED',
  'PASSWORD_RESET_REQUESTED',
  'PASSWORD_RESET',
  'EMAIL_VERIFIED',
  'ORGANIZATION_CREATED',
  'ORGANIZATION_UPDATED',
  'INVITATION_CREATED',
  'INVITATION_ACCEPTED',
  'INVITATION_REVOKED',
  'ROLE_CHANGED',
  'MEMBER_REMOVED',
  'TOTP_ENABLED',
  'TOTP_DISABLED',
  'SECOND_FACTOR_VERIFIED',
  'SECOND_FACTOR_FAILED',
  'RECOVERY_CODE_USED',
  'RECOVERY_CODES_REGENERATED',
  'OIDC_SIGN_IN',
  'OIDC_SIGN_IN_FAILED',
  'OIDC_LINKED',
  'OIDC_UNLINKED',
  'API_KEY_CREATED',
  'API_KEY_REVOKED',
  'API_KEY_REFUSED',
  'ORGANIZATION_ALLOW_LIST_CHANGED',
  'ACCOUNT_CLAIMED',
  'SIGN_UP_REQUESTED',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];
export type AuditEventRow = typeof auditEvents.$inferSelect;

type Detail = string | number | boolean | null;

export interface AuditEntry {
  type: AuditEventType;
  /** Defaults to the signed-in caller; null for anonymous attempts. */
  actorId?: string | null;
  /** The account the event is about. */
  userId?: string | null;
  organizationId?: string | null;
  details?: Record<string, Detail>;
}

/** Names that suggest a secret: such a detail is dropped, whatever a caller passes by mistake. */
const SECRET_NAME = /pass|token|secret|hash|key|code|otp/i;

/** Appends one event; pass `tx` to record it atomically with the change it describes. */
export async function audit(deps: Pick<Deps, 'db' | 'clock' | 'viewer' | 'clientIp'>, entry: AuditEntry, tx: Database = deps.db): Promise<void> {
  const details = Object.fromEntries(Object.entries(entry.details ?? {}).filter(([name]) => !SECRET_NAME.test(name)));
  await tx.insert(auditEvents).values({
    id: randomUUID(),
    type: entry.type,
    actorId: entry.actorId === undefined ? (deps.viewer?.userId ?? null) : entry.actorId,
    userId: entry.userId ?? null,
    organizationId: entry.organizationId ?? null,
    ipAddress: deps.clientIp,
    details,
    occurredAt: deps.clock.now(),
  });
}

export const AuditLogFilter = z
  .object({
    type: z.enum(AUDIT_EVENT_TYPES).nullish(),
    actorId: id().nullish(),
    from: z.date().nullish(),
    to: z.date().nullish(),
  })
  .nullish();

const keys: SortKey<AuditEventRow>[] = [
  { column: auditEvents.occurredAt, cast: 'timestamptz', direction: 'DESC', value: (r) => r.occurredAt },
  { column: auditEvents.seq, cast: 'bigint', direction: 'DESC', value: (r) => r.seq },
];

/** Newest first, by an owner of the rows decided by the caller (`scope`), with the filters a reviewer uses. */
export function listAuditEvents(db: UserServices['db'], scope: ReturnType<typeof eq>, args: PageArgs & { filter?: unknown }) {
  const filter = parseInput(AuditLogFilter, args.filter ?? null);
  if (filter?.from && filter.to && filter.from > filter.to) {
    throw appError('BAD_USER_INPUT', 'filter.from must be before filter.to', { issues: [{ path: 'filter.from', message: 'is after filter.to' }] });
  }
  const where = and(
    scope,
    filter?.type ? eq(auditEvents.type, filter.type) : undefined,
    filter?.actorId ? eq(auditEvents.actorId, filter.actorId) : undefined,
    filter?.from ? gte(auditEvents.occurredAt, filter.from) : undefined,
    filter?.to ? lt(auditEvents.occurredAt, filter.to) : undefined,
  );
  return paginate({
    args,
    keys,
    fetch: (after, limit) => db.select().from(auditEvents).where(and(where, after)).orderBy(...orderBy(keys)).limit(limit),
    count: async () => (await db.select({ n: count() }).from(auditEvents).where(where))[0]?.n ?? 0,
  });
}

export const forOrganization = (organizationId: string) => eq(auditEvents.organizationId, organizationId);
export const forUser = (userId: string) => eq(auditEvents.userId, userId);
export const nothing = () => sql`false` as unknown as ReturnType<typeof eq>;

import { eventLogTables, idempotencyKeysTable } from '@organoise/core';
import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, integer, jsonb, pgSchema, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** The user subgraph owns the `users` Postgres schema; no other service reads it. */
export const usersSchema = pgSchema('users');

const roleCheck = (column: string) => sql.raw(`${column} in ('OWNER','ADMIN','MEMBER','VIEWER')`);

export const users = usersSchema.table(
  'users',
  {
    id: uuid('id').primaryKey(),
    /** Stored lower-cased; unique. */
    email: text('email').notNull(),
    name: text('name').notNull(),
    /** Null for an account made by an OpenID Connect sign-in that never set a password. */
    passwordHash: text('password_hash'),
    /** When the user proved they receive mail at `email`; null until then (and again after an email change). */
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_email_key').on(t.email)],
);

/**
 * A session is one sign-in on one device: the family of its refresh tokens. It ends when revoked,
 * at `expiresAt` (absolute timeout) or when unseen for the idle timeout.
 */
export const sessions = usersSchema.table(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** Moved forward at most once a minute, by the principal lookup and by refreshes. */
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
    /** Authenticator assurance level: 1 after a password, 2 after a password and a second factor. */
    aal: smallint('aal').notNull().default(1),
    /** When a second factor was last verified in this session (sensitive changes need it recent). */
    secondFactorAt: timestamp('second_factor_at', { withTimezone: true }),
  },
  (t) => [index('sessions_user_idx').on(t.userId), index('sessions_user_created_idx').on(t.userId, t.createdAt, t.id)],
);

/**
 * Refresh tokens, stored as sha256 hashes. Each is good for one use; presenting a used one again
 * means it leaked, and the whole session (its family) is revoked.
 */
export const refreshTokens = usersSchema.table(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    /** Set when the token was used a second time within the grace period (a second tab): once only. */
    graceUsedAt: timestamp('grace_used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('refresh_tokens_hash_key').on(t.tokenHash), index('refresh_tokens_session_idx').on(t.sessionId)],
);

/** ES256 keys that sign access tokens; public halves are served as JWKS. */
export const signingKeys = usersSchema.table('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  privateJwk: jsonb('private_jwk').notNull(),
  publicJwk: jsonb('public_jwk').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
});

export const organizations = usersSchema.table(
  'organizations',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** CIDRs members may reach this organization from (enforced at the gateway); empty = anywhere. */
    ipAllowList: text('ip_allow_list').array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [uniqueIndex('organizations_slug_key').on(t.slug)],
);

export const memberships = usersSchema.table(
  'memberships',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull().$type<'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER'>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('memberships_org_user_key').on(t.organizationId, t.userId),
    index('memberships_user_idx').on(t.userId, t.organizationId),
    index('memberships_org_joined_idx').on(t.organizationId, t.createdAt, t.id),
    index('memberships_org_role_idx').on(t.organizationId, t.role),
    check('memberships_role_check', roleCheck('role')),
  ],
);

export const invitations = usersSchema.table(
  'invitations',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role').notNull().$type<'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER'>(),
    /** sha256 of the token; the token itself is shown once, to the inviter. */
    tokenHash: text('token_hash').notNull(),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    status: text('status').notNull().$type<'PENDING' | 'ACCEPTED' | 'REVOKED'>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('invitations_token_hash_key').on(t.tokenHash),
    index('invitations_org_created_idx').on(t.organizationId, t.createdAt, t.id),
    check('invitations_role_check', roleCheck('role')),
    check('invitations_status_check', sql`status in ('PENDING','ACCEPTED','REVOKED')`),
  ],
);

/**
 * Failed credential checks per key (`account:<email>`, `ip:<address>`, `device:<id>`,
 * `factor:<userId>`, `password:<userId>`), shared by every replica. From its limit on, each
 * failure locks the key for twice as long as the one before (capped); a key without a failure
 * for the window is forgotten (docs/decisions/0007-account-claim-and-lockout.md).
 */
export const authThrottles = usersSchema.table(
  'auth_throttles',
  {
    key: text('key').primaryKey(),
    failures: integer('failures').notNull(),
    windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull(),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('auth_throttles_updated_idx').on(t.updatedAt)],
);

/**
 * Single-use tokens sent by mail (email verification, password reset), stored as sha256 hashes.
 * `email` is the address the token was sent to: a token for an address the user no longer has is void.
 */
export const emailTokens = usersSchema.table(
  'email_tokens',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose').notNull().$type<'VERIFY_EMAIL' | 'RESET_PASSWORD'>(),
    email: text('email').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('email_tokens_hash_key').on(t.tokenHash),
    index('email_tokens_user_purpose_idx').on(t.userId, t.purpose, t.createdAt),
    check('email_tokens_purpose_check', sql`purpose in ('VERIFY_EMAIL','RESET_PASSWORD')`),
  ],
);

/**
 * Security events, append-only (a trigger refuses UPDATE and DELETE). No foreign keys: the record
 * outlives the users and organizations it mentions. `details` holds non-secret facts only.
 */
export const auditEvents = usersSchema.table(
  'audit_events',
  {
    id: uuid('id').primaryKey(),
    /** Insertion order, breaking ties between events of the same instant. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    type: text('type').notNull(),
    /** Who acted; null for anonymous attempts and for the system. */
    actorId: uuid('actor_id'),
    /** The account the event is about (the target of a role change, the account of a failed sign-in). */
    userId: uuid('user_id'),
    organizationId: uuid('organization_id'),
    ipAddress: text('ip_address'),
    details: jsonb('details').notNull().$type<Record<string, unknown>>(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('audit_events_org_idx').on(t.organizationId, t.occurredAt, t.seq),
    index('audit_events_org_type_idx').on(t.organizationId, t.type, t.occurredAt, t.seq),
    index('audit_events_user_idx').on(t.userId, t.occurredAt, t.seq),
  ],
);

/**
 * A user's TOTP authenticator. The secret is AES-256-GCM encrypted (see SecretBox). Pending until
 * the first code confirms it; `lastUsedStep` refuses a code whose time step was already used.
 */
export const totpFactors = usersSchema.table('totp_factors', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secretEncrypted: text('secret_encrypted').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  lastUsedStep: bigint('last_used_step', { mode: 'number' }),
});

/** Single-use recovery codes, stored as sha256 hashes; regenerating deletes the old set. */
export const recoveryCodes = usersSchema.table(
  'recovery_codes',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('recovery_codes_user_hash_key').on(t.userId, t.codeHash)],
);

/**
 * The domain event log (docs/protocols/subscriptions.md): membership events are appended in the
 * transaction of the change and feed subscriptions. Apart from `audit_events`, which is the
 * permanent security record; this log is trimmed after the retention window.
 */
export const { eventStreams, events } = eventLogTables(usersSchema);

/**
 * An OpenID Connect sign-in begun and not yet completed (at most 10 minutes). The state is stored
 * as a sha256 hash (it is the lookup key and travels in URLs); the nonce and PKCE verifier, which
 * the server must read back, are AES-GCM encrypted (SecretBox) and bound to the row.
 */
export const oidcLogins = usersSchema.table(
  'oidc_logins',
  {
    id: uuid('id').primaryKey(),
    stateHash: text('state_hash').notNull(),
    /** sha256 of the secret handed to the client that began the sign-in: only it can complete it (login CSRF). */
    bindingHash: text('binding_hash'),
    provider: text('provider').notNull(),
    redirectUri: text('redirect_uri').notNull(),
    nonceEncrypted: text('nonce_encrypted').notNull(),
    verifierEncrypted: text('verifier_encrypted').notNull(),
    /** Set when a signed-in user links a provider account: only that user may complete it. */
    linkUserId: uuid('link_user_id').references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('oidc_logins_state_key').on(t.stateHash), index('oidc_logins_expires_idx').on(t.expiresAt)],
);

/** External accounts (provider + subject) that sign in as a user. A provider refresh token, when one is kept, is encrypted. */
export const oidcIdentities = usersSchema.table(
  'oidc_identities',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    provider: text('provider').notNull(),
    subject: text('subject').notNull(),
    /** The email the provider gave at the last sign-in (for display; sign-in goes by subject). */
    email: text('email'),
    refreshTokenEncrypted: text('refresh_token_encrypted'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('oidc_identities_provider_subject_key').on(t.provider, t.subject), index('oidc_identities_user_idx').on(t.userId)],
);

/**
 * API keys: a principal for programs, scoped to one organization with one role. The secret
 * (`onk_<id>_<random>`) is shown once; only its sha256 is kept (see domains/apikeys/apikeys.ts).
 */
export const apiKeys = usersSchema.table(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    role: text('role').notNull().$type<'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER'>(),
    secretHash: text('secret_hash').notNull(),
    /** The secret's first characters, shown in lists so a key can be recognised. */
    prefix: text('prefix').notNull(),
    /** CIDRs the key may be used from; empty = anywhere (the organization's list applies too). */
    allowList: text('allow_list').array().notNull().default(sql`'{}'::text[]`),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('api_keys_org_created_idx').on(t.organizationId, t.createdAt, t.id), check('api_keys_role_check', sql`role in ('ADMIN','MEMBER','VIEWER')`)],
);

/**
 * Devices that signed in to an account (a token kept by the client, stored as its sha256). A
 * known device is throttled on its own, so strangers failing at an address cannot lock its
 * owner out (docs/decisions/0007-account-claim-and-lockout.md).
 */
export const knownDevices = usersSchema.table(
  'known_devices',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('known_devices_token_key').on(t.tokenHash), index('known_devices_user_idx').on(t.userId)],
);

/**
 * Sign-ups waiting for their mailed link (when SIGN_UP_VERIFICATION is on): no account exists
 * until the link comes back with the same password, so nobody can hold an address they cannot read.
 */
export const pendingSignUps = usersSchema.table(
  'pending_sign_ups',
  {
    id: uuid('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('pending_sign_ups_token_key').on(t.tokenHash), index('pending_sign_ups_email_idx').on(t.email, t.createdAt)],
);

/** Idempotency keys of create-type mutations (docs/protocols/idempotency.md), kept 24 hours. */
export const idempotencyKeys = idempotencyKeysTable(usersSchema);

import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { appError, forbidden, notFound, unauthenticated } from './errors.js';

export const ROLES = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'] as const;
export type Role = (typeof ROLES)[number];
const RANK: Record<Role, number> = { VIEWER: 1, MEMBER: 2, ADMIN: 3, OWNER: 4 };

export const roleAtLeast = (role: Role, minimum: Role) => RANK[role] >= RANK[minimum];

/**
 * Who is calling, as the gateway established it: the signed-in user, their session, and their
 * role in each organization they belong to (fresh within the gateway's principal cache window).
 */
export interface Viewer {
  userId: string;
  sessionId: string;
  memberships: Readonly<Record<string, Role>>;
  /**
   * Organizations the caller belongs to but that refuse their client address (the organization's
   * IP allow-list): they are not in `memberships`, and requireRole answers IP_NOT_ALLOWED for them
   * instead of NOT_FOUND. Absent from tokens of older gateways (treated as none).
   */
  deniedOrgs?: readonly string[];
}

/** An API key acts as a principal whose session id is `apikey:<key id>` and whose user id is the key's id. */
export const API_KEY_SESSION_PREFIX = 'apikey:';
export const isApiKeyViewer = (viewer: Viewer | null): boolean => !!viewer && viewer.sessionId.startsWith(API_KEY_SESSION_PREFIX);

/** Refuses API keys where only a person may act (sign-out, password, second factor, API keys). */
export function requirePerson(viewer: Viewer | null): Viewer {
  const v = requireViewer(viewer);
  if (isApiKeyViewer(v)) throw appError('API_KEY_NOT_ALLOWED', 'API keys may not do this; sign in as a person');
  return v;
}

/** IP_NOT_ALLOWED when the organization's allow-list withheld it from the viewer at the gateway. */
export function refuseDeniedOrg(viewer: Viewer | null, organizationId: string): void {
  if (viewer?.deniedOrgs?.includes(organizationId)) {
    throw appError('IP_NOT_ALLOWED', "Your address is not in this organization's IP allow-list", { organizationId });
  }
}

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/**
 * Where a viewer's roles come from. Every subgraph reads them from the gateway's internal token
 * (`roleIn`, the default everywhere); the user subgraph owns memberships and reads a person's from
 * its own tables, so that a change made a moment ago counts at once. Whatever the source says, an
 * organization withheld by its IP allow-list (`Viewer.deniedOrgs`) is no one's: `roleFrom` answers
 * null for it and the require/rule helpers refuse it with IP_NOT_ALLOWED.
 */
export type RoleSource = (viewer: Viewer, organizationId: string) => Role | null | Promise<Role | null>;

/** The viewer's role in an organization, from the token; own keys only, so ids like "constructor" are no one's. */
export function roleIn(viewer: Viewer | null, organizationId: string): Role | null {
  if (!viewer || !Object.hasOwn(viewer.memberships, organizationId)) return null;
  return viewer.memberships[organizationId] ?? null;
}

/** The viewer's role from `roles`; null for no viewer and for an organization their address is refused by. */
export async function roleFrom(roles: RoleSource, viewer: Viewer | null, organizationId: string): Promise<Role | null> {
  if (!viewer || viewer.deniedOrgs?.includes(organizationId)) return null;
  return roles(viewer, organizationId);
}

/**
 * The one role check: a role of at least `minimum`, or the refusal. A non-member gets NOT_FOUND,
 * not FORBIDDEN: whether another tenant's organization exists is itself not theirs to learn; one
 * withheld by its IP allow-list IP_NOT_ALLOWED; a member below `minimum` FORBIDDEN.
 */
function checkRole(viewer: Viewer, organizationId: string, role: Role | null, minimum: Role): Role {
  if (!role) {
    refuseDeniedOrg(viewer, organizationId);
    throw notFound('Organization');
  }
  if (!roleAtLeast(role, minimum)) throw forbidden(`This needs the ${minimum} role or higher`);
  return role;
}

/** The caller's role in `organizationId` from the token, if at least `minimum` (refusals: checkRole). */
export function requireRole(viewer: Viewer | null, organizationId: string, minimum: Role = 'VIEWER'): Role {
  const v = requireViewer(viewer);
  return checkRole(v, organizationId, roleIn(v, organizationId), minimum);
}

/** requireRole with the roles read from `roles` (the user subgraph's own tables): the same refusals in the same order. */
export async function requireRoleFrom(roles: RoleSource, viewer: Viewer | null, organizationId: string, minimum: Role = 'VIEWER'): Promise<Role> {
  const v = requireViewer(viewer);
  return checkRole(v, organizationId, await roleFrom(roles, v, organizationId), minimum);
}

export const viewerOrganizationIds = (viewer: Viewer | null): string[] =>
  viewer ? Object.keys(viewer.memberships) : [];

/**
 * A stand-in for `viewer` that belongs to exactly the organizations their IP allow-lists withhold
 * from them (`deniedOrgs`), or null when none is. Only for finding which organization a row
 * belongs to, so that a rule answers IP_NOT_ALLOWED rather than NOT_FOUND for a row of the
 * viewer's own organization seen from a refused address (orgOfRow); never for reading data.
 */
export function withheldViewer(viewer: Viewer | null): Viewer | null {
  if (!viewer?.deniedOrgs?.length) return null;
  return { userId: viewer.userId, sessionId: viewer.sessionId, memberships: Object.fromEntries(viewer.deniedOrgs.map((id) => [id, 'VIEWER' as const])) };
}

/** Header carrying the gateway-signed internal token to subgraphs (docs/protocols/internal-token.md). */
export const INTERNAL_TOKEN_HEADER = 'x-organoise-internal-token';
/**
 * The end client's User-Agent as the gateway received it, on its calls to subgraphs (their own
 * User-Agent is the gateway's HTTP client): what a session records to name the browser or app in
 * its list. Display only, never an identity: a client chooses its User-Agent freely.
 */
export const CLIENT_USER_AGENT_HEADER = 'x-organoise-client-user-agent';
/** Longer User-Agent strings are cut to this many characters. */
export const CLIENT_USER_AGENT_MAX = 512;
export const INTERNAL_TOKEN_ISSUER = 'organoise-gateway';
const INTERNAL_TOKEN_TTL_SECONDS = 60;

interface InternalClaims {
  sid?: string;
  orgs?: Record<string, Role>;
  /** The client's IP address as the gateway saw it (for throttling and audit). */
  ip?: string;
  /** Organization ids withheld from `orgs` by their IP allow-list (Viewer.deniedOrgs). Omitted when none. */
  denied?: string[];
}

const keyOf = (secret: string) => new TextEncoder().encode(secret);

/** Signs the short-lived token the gateway sends with each subgraph request, addressed to that subgraph. */
export async function signInternalToken(secret: string, audience: string, viewer: Viewer | null, clientIp?: string | null): Promise<string> {
  const claims: InternalClaims = viewer ? { sid: viewer.sessionId, orgs: { ...viewer.memberships } } : {};
  if (viewer?.deniedOrgs && viewer.deniedOrgs.length > 0) claims.denied = [...viewer.deniedOrgs];
  if (clientIp) claims.ip = clientIp;
  const jwt = new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(INTERNAL_TOKEN_ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${INTERNAL_TOKEN_TTL_SECONDS}s`);
  if (viewer) jwt.setSubject(viewer.userId);
  return jwt.sign(keyOf(secret));
}

export type InternalTokenResult = { ok: true; viewer: Viewer | null; clientIp: string | null } | { ok: false; reason: string };

/**
 * Tokens already verified, until they expire. The gateway reuses a signed token for a few seconds
 * per viewer, so a subgraph sees the same string many times; its signature check (jose) was 12-17%
 * of a subgraph's CPU on the platform read benchmark. Only successes are kept: the same bytes
 * under the same key and audience verify the same way until `exp`.
 *
 * Expired entries go as new ones come in (pruneExpired), not only once the map is full: the
 * gateway signs a fresh token per viewer and subgraph every 5 s, so with 40 active viewers a map
 * swept only at MAX_VERIFIED_TOKENS kept every token of the last 20-35 minutes (about 0.8 KB each
 * with its key, viewer and memberships), which the soak benchmark saw as every subgraph's heap
 * after GC rising 2-3 MiB per 10 minutes (docs/benchmarks.md, section 4).
 */
const verified = new Map<string, { result: Extract<InternalTokenResult, { ok: true }>; expiresAtMs: number }>();
const MAX_VERIFIED_TOKENS = 10_000;

/**
 * Deletes expired entries from the oldest on, stopping at the first live one. A Map iterates in
 * insertion order and every entry lives at most INTERNAL_TOKEN_TTL_SECONDS from its insertion
 * (see below), so this keeps about one token lifetime of entries at O(1) amortized cost per insert;
 * an entry behind a longer-lived one waits at most that lifetime.
 */
function pruneExpired(now: number): void {
  for (const [key, entry] of verified) {
    if (entry.expiresAtMs > now) return;
    verified.delete(key);
  }
}

/** Entries in the verified-token cache (tests, diagnostics). */
export const verifiedInternalTokenCount = (): number => verified.size;

export async function verifyInternalToken(secret: string, audience: string, token: string | undefined): Promise<InternalTokenResult> {
  if (!token) return { ok: false, reason: 'missing internal token' };
  const cacheKey = `${audience}\n${secret}\n${token}`;
  const hit = verified.get(cacheKey);
  if (hit) {
    if (Date.now() < hit.expiresAtMs) {
      const { viewer, clientIp } = hit.result;
      // A copy per request: a context may decorate its viewer; the memberships stay frozen.
      return { ok: true, viewer: viewer ? { ...viewer } : null, clientIp };
    }
    verified.delete(cacheKey);
  }
  const result = await verifyInternalTokenUncached(secret, audience, token);
  if (result.ok) {
    const now = Date.now();
    pruneExpired(now);
    if (verified.size >= MAX_VERIFIED_TOKENS) {
      for (const [key, entry] of verified) if (entry.expiresAtMs <= now) verified.delete(key);
      if (verified.size >= MAX_VERIFIED_TOKENS) verified.clear();
    }
    if (result.viewer) Object.freeze(result.viewer.memberships);
    // Kept no longer than a token's lifetime from now, whatever its `exp`: that bounds what
    // pruneExpired leaves behind a long-lived entry (the gateway signs 60 s tokens).
    verified.set(cacheKey, { result, expiresAtMs: Math.min(result.expiresAtMs, now + INTERNAL_TOKEN_TTL_SECONDS * 1000) });
    const { viewer, clientIp } = result;
    return { ok: true, viewer: viewer ? { ...viewer } : null, clientIp };
  }
  return result;
}

async function verifyInternalTokenUncached(
  secret: string,
  audience: string,
  token: string,
): Promise<(Extract<InternalTokenResult, { ok: true }> & { expiresAtMs: number }) | Extract<InternalTokenResult, { ok: false }>> {
  try {
    const { payload } = await jwtVerify<InternalClaims>(token, keyOf(secret), {
      issuer: INTERNAL_TOKEN_ISSUER,
      audience,
      algorithms: ['HS256'],
    });
    const clientIp = typeof payload.ip === 'string' ? payload.ip : null;
    // jwtVerify has checked exp against the clock; a token without one is kept at most 60 s.
    const expiresAtMs = typeof payload.exp === 'number' ? payload.exp * 1000 : Date.now() + INTERNAL_TOKEN_TTL_SECONDS * 1000;
    if (!payload.sub) return { ok: true, viewer: null, clientIp, expiresAtMs };
    const memberships: Record<string, Role> = {};
    for (const [org, role] of Object.entries(payload.orgs ?? {})) {
      if ((ROLES as readonly string[]).includes(role)) memberships[org] = role;
    }
    const denied = Array.isArray(payload.denied) ? payload.denied.filter((o): o is string => typeof o === 'string') : [];
    const viewer: Viewer = { userId: payload.sub, sessionId: payload.sid ?? '', memberships };
    if (denied.length > 0) viewer.deniedOrgs = denied;
    return { ok: true, viewer, clientIp, expiresAtMs };
  } catch (error) {
    const reason = error instanceof joseErrors.JOSEError ? error.code : 'invalid internal token';
    return { ok: false, reason };
  }
}

export const internalTokenError = (reason: string) =>
  appError('INTERNAL_TOKEN_INVALID', `Subgraphs only answer the gateway (${reason})`);

/** Access tokens: issued by the user subgraph, verified by the gateway against its JWKS. */
export const ACCESS_TOKEN_AUDIENCE = 'organoise-api';
export const ACCESS_TOKEN_ALGORITHMS = ['ES256'] as const;
/** Path of the user subgraph's public keys. */
export const JWKS_PATH = '/.well-known/jwks.json';
/** Internal route where the gateway asks who a session belongs to (docs/protocols/internal-token.md). */
export const PRINCIPAL_PATH = '/internal/principal';
/**
 * Internal route where the gateway asks about many sessions at once: POST
 * `{ sessions: [{ sessionId, userId }] }` answers `{ principals: { [sessionId]: Principal } }`,
 * live sessions only (docs/protocols/internal-token.md).
 */
export const PRINCIPALS_PATH = '/internal/principals';
/** Internal route where the gateway resolves an API key (docs/protocols/internal-token.md). */
export const API_KEY_PATH = '/internal/api-key';
/** Header carrying the presented API key from the gateway to API_KEY_PATH (a header, never the URL, which logs keep). */
export const API_KEY_SECRET_HEADER = 'x-organoise-api-key';

/** What the gateway learns about a session from the user subgraph. */
export interface Principal {
  userId: string;
  sessionId: string;
  memberships: Record<string, Role>;
  /** Each organization's IP allow-list (CIDRs), for those that have one; the gateway withholds the rest. */
  allowLists?: Record<string, string[]>;
}

/** What the gateway learns about an API key from the user subgraph: a principal plus the key's own allow-list. */
export interface ApiKeyPrincipal extends Principal {
  keyId: string;
  /** CIDRs the key may be used from; empty = anywhere (the organization's list still applies). */
  keyAllowList: string[];
  /** ISO time after which the key is refused (the gateway checks it even on a cached lookup); null = never. */
  expiresAt: string | null;
}

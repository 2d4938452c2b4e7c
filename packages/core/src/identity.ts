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
}

export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/**
 * The caller's role in `organizationId`, if at least `minimum`. A non-member gets NOT_FOUND, not
 * FORBIDDEN: whether another tenant's organization exists is itself not theirs to learn.
 */
export function requireRole(viewer: Viewer | null, organizationId: string, minimum: Role = 'VIEWER'): Role {
  const v = requireViewer(viewer);
  const role = roleIn(v, organizationId);
  if (!role) throw notFound('Organization');
  if (!roleAtLeast(role, minimum)) throw forbidden(`This needs the ${minimum} role or higher`);
  return role;
}

/** The viewer's role in an organization; own keys only, so ids like "constructor" are no one's. */
export function roleIn(viewer: Viewer | null, organizationId: string): Role | null {
  if (!viewer || !Object.hasOwn(viewer.memberships, organizationId)) return null;
  return viewer.memberships[organizationId] ?? null;
}

export const viewerOrganizationIds = (viewer: Viewer | null): string[] =>
  viewer ? Object.keys(viewer.memberships) : [];

/** Header carrying the gateway-signed internal token to subgraphs (docs/protocols/internal-token.md). */
export const INTERNAL_TOKEN_HEADER = 'x-organoise-internal-token';
export const INTERNAL_TOKEN_ISSUER = 'organoise-gateway';
const INTERNAL_TOKEN_TTL_SECONDS = 60;

interface InternalClaims {
  sid?: string;
  orgs?: Record<string, Role>;
  /** The client's IP address as the gateway saw it (for throttling and audit). */
  ip?: string;
}

const keyOf = (secret: string) => new TextEncoder().encode(secret);

/** Signs the short-lived token the gateway sends with each subgraph request, addressed to that subgraph. */
export async function signInternalToken(secret: string, audience: string, viewer: Viewer | null, clientIp?: string | null): Promise<string> {
  const claims: InternalClaims = viewer ? { sid: viewer.sessionId, orgs: { ...viewer.memberships } } : {};
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

export async function verifyInternalToken(secret: string, audience: string, token: string | undefined): Promise<InternalTokenResult> {
  if (!token) return { ok: false, reason: 'missing internal token' };
  try {
    const { payload } = await jwtVerify<InternalClaims>(token, keyOf(secret), {
      issuer: INTERNAL_TOKEN_ISSUER,
      audience,
      algorithms: ['HS256'],
    });
    const clientIp = typeof payload.ip === 'string' ? payload.ip : null;
    if (!payload.sub) return { ok: true, viewer: null, clientIp };
    const memberships: Record<string, Role> = {};
    for (const [org, role] of Object.entries(payload.orgs ?? {})) {
      if ((ROLES as readonly string[]).includes(role)) memberships[org] = role;
    }
    return { ok: true, viewer: { userId: payload.sub, sessionId: payload.sid ?? '', memberships }, clientIp };
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

/** What the gateway learns about a session from the user subgraph. */
export interface Principal {
  userId: string;
  sessionId: string;
  memberships: Record<string, Role>;
}

import { roleAtLeast, roleFrom, subgraphDomain } from '@organoise/core';
import type { UserContext } from '../../context.js';
import type { AuditEventRow } from './audit.js';
import { permissions } from './permissions.js';

/**
 * An IP address is personal data. It shows to the person whose address it is (the event's actor;
 * for an anonymous attempt on an account, that account's owner, to spot attacks) and to owners
 * and admins of the event's organization, for audit. Anyone else gets null (decision 0005).
 */
async function visibleIp(e: AuditEventRow, ctx: UserContext): Promise<string | null> {
  const viewer = ctx.viewer;
  if (!viewer || !e.ipAddress) return null;
  if (e.actorId === viewer.userId || (e.actorId === null && e.userId === viewer.userId)) return e.ipAddress;
  if (e.organizationId) {
    const role = await roleFrom(ctx.roles, viewer, e.organizationId);
    if (role && roleAtLeast(role, 'ADMIN')) return e.ipAddress;
  }
  return null;
}

export const auditResolvers = {
  AuditEvent: {
    ipAddress: (e: AuditEventRow, _: unknown, ctx: UserContext) => visibleIp(e, ctx),
    actor: (e: AuditEventRow, _: unknown, ctx: UserContext) => (e.actorId ? ctx.loaders.user.load(e.actorId) : null),
    // Null unless the caller belongs to it (the loader only returns the caller's organizations).
    organization: (e: AuditEventRow, _: unknown, ctx: UserContext) => (e.organizationId ? ctx.loaders.organization.load(e.organizationId) : null),
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, auditResolvers, permissions);

import type { UserContext } from '../../context.js';
import type { AuditEventRow } from './audit.js';

export const auditResolvers = {
  AuditEvent: {
    actor: (e: AuditEventRow, _: unknown, ctx: UserContext) => (e.actorId ? ctx.loaders.user.load(e.actorId) : null),
    // Null unless the caller belongs to it (the loader only returns the caller's organizations).
    organization: (e: AuditEventRow, _: unknown, ctx: UserContext) => (e.organizationId ? ctx.loaders.organization.load(e.organizationId) : null),
  },
};

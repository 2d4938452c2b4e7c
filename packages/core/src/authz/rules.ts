import type { GraphQLResolveInfo } from 'graphql';
import { allow, and, chain, deny, or, rule, type IRule } from 'graphql-shield';
import type { ShieldRule } from './shield.js';
import { notFound, unauthenticated, forbidden } from '../errors.js';
import { refuseDeniedOrg, roleAtLeast, roleFrom, roleIn, withheldViewer, type Role, type RoleSource, type Viewer } from '../identity.js';
import { isUuid } from '../loaders.js';

/**
 * Rule builders shared by every subgraph's `domains/<d>/permissions.ts` (docs/decisions/0005).
 *
 * Every rule here is `no_cache`: shield's cheaper caches key on the field's arguments only
 * ('contextual') or hash the whole parent row on every field ('strict'); our checks are lookups
 * in the viewer's memberships, cheaper than either and never wrong about which parent they saw.
 */

export { allow, deny, and, or, chain };
export type { IRule };

type AnyContext = { viewer: Viewer | null };
type Found<T> = T | Promise<T>;

/** A rule outcome: true passes, an Error is the refusal the client sees. */
export type RuleResult = true | Error;
type RuleFn<Ctx> = (parent: any, args: any, ctx: Ctx, info: GraphQLResolveInfo) => Found<RuleResult | boolean>;

let counter = 0;
/**
 * A shield rule from a function. Names must be unique per function (shield refuses two rules with
 * one name); an infrastructure failure inside a rule is passed on as that error (masked to
 * INTERNAL_SERVER_ERROR by the formatter), not turned into a misleading FORBIDDEN.
 */
export function defineRule<Ctx extends AnyContext = AnyContext>(name: string, fn: RuleFn<Ctx>): IRule {
  return rule(`${name}#${++counter}`, { cache: 'no_cache' })(async (parent, args, ctx, info) => {
    try {
      return await fn(parent, args, ctx as Ctx, info);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }) as IRule;
}

/** Public: no sign-in needed (sign-up, sign-in, the federation plumbing...). */
export const isPublic = allow;

export const isAuthenticated = defineRule('isAuthenticated', (_p, _a, ctx) => (ctx.viewer ? true : unauthenticated()));

/**
 * Where a rule finds the organization id. MALFORMED: the argument is not an id at all, so it can
 * name no row; the resolver's input validation refuses it (BAD_USER_INPUT) and the rule lets it
 * through to get that precise code. null: the thing it points at is not the viewer's to see.
 */
export const MALFORMED = Symbol('malformed id');
export type OrgIdOf<Ctx> = (parent: any, args: any, ctx: Ctx, info: GraphQLResolveInfo) => Found<string | null | undefined | typeof MALFORMED>;

const pick = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);

/** An organization id among the field's arguments, e.g. `argId('input.organizationId')`. */
export const argId =
  (path: string): OrgIdOf<AnyContext> =>
  (_p, args) => {
    const value = pick(args, path);
    return typeof value === 'string' && isUuid(value) ? value : MALFORMED;
  };

/** An organization id on the parent row, e.g. `parentId('organizationId')`, `parentId('id')` on Organization. */
export const parentId =
  (path: string): OrgIdOf<AnyContext> =>
  (p) => {
    const value = pick(p, path);
    return typeof value === 'string' ? value : null;
  };

/**
 * An id among the arguments that names a row (a run, a file...), and how to find that row's
 * organization. `load` must look only among the viewer's organizations (the request loaders do),
 * so another tenant's id finds nothing.
 *
 * `withheld` looks the same way among the organizations the viewer belongs to but whose IP
 * allow-list refuses their address (it is given withheldViewer(viewer)): a row found there names
 * its organization, so the rule answers IP_NOT_ALLOWED, as it does for the organization itself,
 * instead of NOT_FOUND. Asked only when the viewer has such organizations and `load` found nothing.
 */
export function orgOfRow<Ctx extends AnyContext>(
  path: string,
  load: (id: string, ctx: Ctx) => Found<{ organizationId: string } | null | undefined>,
  withheld?: (id: string, viewer: Viewer, ctx: Ctx) => Found<{ organizationId: string } | null | undefined>,
): OrgIdOf<Ctx> {
  return async (_p, args, ctx) => {
    const value = pick(args, path);
    if (typeof value !== 'string' || !isUuid(value)) return MALFORMED;
    const found = (await load(value, ctx))?.organizationId;
    if (found) return found;
    const standIn = withheld ? withheldViewer(ctx.viewer) : null;
    if (!standIn) return null;
    const row = await withheld!(value, standIn, ctx);
    return row && ctx.viewer?.deniedOrgs?.includes(row.organizationId) ? row.organizationId : null;
  };
}

export interface RoleRuleOptions<Ctx> {
  /** What the refusal names as not found (default "Organization"). */
  what?: string;
  /**
   * Where the viewer's role comes from (identity.ts, RoleSource). Default: the gateway's token.
   * The user subgraph owns memberships and passes its own tables, so a just-created organization
   * counts at once.
   */
  roles?: (ctx: Ctx) => RoleSource;
  /**
   * The arguments' shape (a zod schema). Arguments that fail it are let through to the resolver,
   * whose validation refuses them with BAD_USER_INPUT and its issues: bad input is reported as
   * such whoever sends it, as before this layer existed (it depends on no one's data).
   */
  input?: { safeParse(value: unknown): { success: boolean } };
}

/**
 * The viewer holds at least `minimum` in the organization `orgIdOf` finds. Like requireRole: a
 * non-member gets NOT_FOUND (another tenant's ids are not theirs to probe), a member with too low
 * a role FORBIDDEN, no viewer UNAUTHENTICATED.
 */
export function hasRoleInOrg<Ctx extends AnyContext>(minimum: Role, orgIdOf: OrgIdOf<Ctx>, options: RoleRuleOptions<Ctx> = {}): IRule {
  return defineRule<Ctx>(`hasRoleInOrg:${minimum}`, async (p, a, ctx, info) => {
    if (!ctx.viewer) return unauthenticated();
    if (options.input && !options.input.safeParse(a).success) return true;
    const organizationId = await orgIdOf(p, a, ctx, info);
    if (organizationId === MALFORMED) return true;
    if (!organizationId || !isUuid(organizationId)) return notFound(options.what ?? 'Organization');
    const role = options.roles ? await memoRole(ctx, organizationId, options.roles) : roleIn(ctx.viewer, organizationId);
    // Withheld by the organization's IP allow-list at the gateway: IP_NOT_ALLOWED, not NOT_FOUND.
    if (!role) return ipRefusal(ctx.viewer, organizationId) ?? notFound(options.what ?? 'Organization');
    return roleAtLeast(role, minimum) ? true : forbidden(`This needs the ${minimum} role or higher`);
  });
}

function ipRefusal(viewer: Viewer, organizationId: string): Error | null {
  try {
    refuseDeniedOrg(viewer, organizationId);
    return null;
  } catch (error) {
    return error as Error;
  }
}

// Rules run per field: a list of 20 rows with 5 fields would ask the database 100 times. One
// lookup per organization per request instead, keyed on the request's loaders, which a
// subscription renews for each event, so a membership ended mid-subscription is seen at once.
const roleMemo = new WeakMap<object, Map<string, Promise<Role | null>>>();
function memoRole<Ctx extends AnyContext>(ctx: Ctx, organizationId: string, roles: (ctx: Ctx) => RoleSource) {
  const key = ((ctx as { loaders?: object }).loaders ?? ctx) as object;
  let memo = roleMemo.get(key);
  if (!memo) roleMemo.set(key, (memo = new Map()));
  let role = memo.get(organizationId);
  if (!role) memo.set(organizationId, (role = roleFrom(roles(ctx), ctx.viewer, organizationId)));
  return role;
}

/** Any member (VIEWER and up). */
export const isMemberOf = <Ctx extends AnyContext>(orgIdOf: OrgIdOf<Ctx>, options?: RoleRuleOptions<Ctx>) => hasRoleInOrg('VIEWER', orgIdOf, options);

/** The viewer is the user `userIdOf` names (their own sessions, their own security events...). */
export function isSelf<Ctx extends AnyContext>(userIdOf: (parent: any, args: any, ctx: Ctx) => unknown): IRule {
  return defineRule<Ctx>('isSelf', (p, a, ctx) => {
    if (!ctx.viewer) return unauthenticated();
    return userIdOf(p, a, ctx) === ctx.viewer.userId ? true : forbidden('Only the user themself may see this');
  });
}

/**
 * The field is reached through a field of `typeName` (list indexes skipped): e.g. the user an
 * AuthPayload carries, whom the request signing them in cannot yet name as its viewer.
 */
export function reachedFrom(...typeNames: string[]): IRule {
  return defineRule('reachedFrom', (_p, _a, _ctx, info) => {
    let at = info.path.prev;
    while (at && typeof at.key === 'number') at = at.prev;
    return at?.typename !== undefined && typeNames.includes(at.typename) ? true : forbidden();
  });
}

/** Types that only carry what a guarded parent already decided to show (connections, value objects). */
export function allowTypes(...typeNames: string[]): Record<string, Record<string, ShieldRule>> {
  return Object.fromEntries(typeNames.map((name) => [name, { '*': allow as ShieldRule }]));
}

/** One rule for every field of a type, with per-field exceptions (a stricter rule on a personal field). */
export function everyField(rule: ShieldRule, overrides: Record<string, ShieldRule> = {}): Record<string, ShieldRule> {
  return { '*': rule, ...overrides };
}

import { isIntrospectionType, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, and, deny, shield, type IRule, type IRules } from 'graphql-shield';
import { forbidden, unauthenticated } from '../errors.js';
import type { Viewer } from '../identity.js';

/** A shield rule or a logic rule (and/or/...). */
export type ShieldRule = IRule | ReturnType<typeof and>;
/** A domain's permissions (graphql-shield's IRules): type name -> rule, or -> (field name | '*') -> rule. */
export type Permissions = IRules;
export type RuleTree = Record<string, Record<string, ShieldRule>>;

const isRule = (value: unknown): value is ShieldRule => typeof (value as { resolve?: unknown })?.resolve === 'function';
export type { IRules };

/** Federation's own fields. Open at the root; the entity types' rules guard what `_entities` returns. */
const FEDERATION: RuleTree = {
  Query: { _service: allow, _entities: allow },
  _Service: { '*': allow },
  // Shared SDL of every subgraph (pagination.ts): only reachable inside a guarded connection.
  PageInfo: { '*': allow },
};

/**
 * Merges each domain's `permissions` type by type, field by field. Two domains ruling on the same
 * field is a mistake (which one wins would depend on import order), so it throws at start-up.
 */
export function mergePermissions(...maps: Permissions[]): RuleTree {
  const merged: RuleTree = {};
  for (const map of maps) {
    // A single rule for the whole schema would make every other domain's rules moot.
    if (isRule(map)) throw new Error('A domain permissions object must map types to rules');
    for (const [type, fields] of Object.entries(map)) {
      const into = (merged[type] ??= {});
      for (const [field, rule] of Object.entries<ShieldRule>(isRule(fields) ? { '*': fields } : (fields as Record<string, ShieldRule>))) {
        if (Object.hasOwn(into, field) && into[field] !== rule) throw new Error(`Two permissions for ${type}.${field}`);
        into[field] = rule;
      }
    }
  }
  return merged;
}

/**
 * The deny-by-default layer for one subgraph: every domain's `permissions` merged, applied to
 * the schema buildSubgraphSchema made (startSubgraphServer calls this).
 */
export const buildShield =
  (permissions: Permissions[]) =>
  (schema: GraphQLSchema): GraphQLSchema =>
    applyPermissions(schema, mergePermissions(...permissions));

/** Denied by default: whoever has no viewer must sign in; a signed-in viewer is FORBIDDEN. */
const fallbackError = (_thrown: unknown, _parent: unknown, _args: unknown, ctx: { viewer?: Viewer | null } | undefined) =>
  ctx?.viewer ? forbidden('No permission rule allows this field') : unauthenticated();

const OPTIONS = {
  // Nothing without a rule is reachable.
  fallbackRule: deny,
  // Shield's try/catch wraps the resolver too: without this, every catalogued error a resolver
  // throws (NOT_FOUND, BAD_USER_INPUT...) would turn into the fallback error.
  allowExternalErrors: true,
  debug: false,
  fallbackError,
  // Only used by 'strict'/'contextual' caches (rules.ts uses neither; a domain's own rule may).
  // Shield's default (object-hash) is not a dependency of ours; JSON is enough for arguments.
  hashFunction: ({ parent, args }: { parent?: unknown; args?: unknown }) =>
    JSON.stringify([parent ?? null, args ?? null], (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)),
};

/**
 * The subgraph schema with every field behind its rule (graphql-shield 7.6.5 over
 * graphql-middleware), plus the two things shield does not do for us:
 *
 * - Federation: `_service`/`_entities` are allowed at the root (a deny there would block the
 *   gateway), and `__resolveReference` still runs (it lives in the type's `extensions`, which
 *   graphql-middleware's schema copy keeps; the test suites read entities through `_entities`).
 *   Every field of an entity then passes its type's rule on the way out, whichever path led there.
 * - Subscriptions: graphql-middleware wraps a Subscription field's `resolve` when it has one and
 *   never its `subscribe`, so a refused viewer could still open the event stream. Each
 *   `subscribe` is wrapped here to evaluate the field's rule before anything is subscribed.
 */
export function applyPermissions(schema: GraphQLSchema, permissions: Permissions): GraphQLSchema {
  const rules = mergePermissions(FEDERATION, permissions);
  // A subscription's rule is evaluated once, when subscribing (below). Were shield to evaluate it
  // again on each event's `resolve`, a rule like "member of the organization" would swallow the
  // last event a removed member is owed (their own removal); each event's payload fields pass
  // their own types' rules instead, and the live domains re-check membership before each event.
  const perEvent = rules.Subscription ? { ...rules, Subscription: { '*': allow } } : rules;
  const secured = applyMiddleware(schema, shield(perEvent as IRules, OPTIONS as never)) as GraphQLSchema;
  const subscription = secured.getSubscriptionType();
  if (subscription) {
    for (const [name, field] of Object.entries(subscription.getFields())) {
      const subscribe = field.subscribe;
      if (!subscribe) continue;
      const rule = rules.Subscription?.[name] ?? rules.Subscription?.['*'] ?? OPTIONS.fallbackRule;
      field.subscribe = guardSubscribe(rule, subscribe);
    }
  }
  return secured;
}

function guardSubscribe(rule: ShieldRule, subscribe: GraphQLFieldResolver<unknown, any>): GraphQLFieldResolver<unknown, any> {
  return async (source, args, ctx, info) => {
    // Shield keeps its per-request cache here; rules evaluated outside its middleware need it too.
    ctx._shield ??= { cache: {} };
    const result = await rule.resolve(source as object, args, ctx, info, OPTIONS as never);
    if (result === true) return subscribe(source, args, ctx, info);
    throw result instanceof Error ? result : fallbackError(null, source, args, ctx);
  };
}

/**
 * Root fields (Query, Mutation, Subscription) and object types with no explicit rule: they fall
 * to `deny`, which is safe but usually a forgotten rule. The authorization tests assert none.
 */
export function fieldsWithoutRules(schema: GraphQLSchema, permissions: Permissions): string[] {
  const rules = mergePermissions(FEDERATION, permissions);
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    const typeRules = rules[type.name];
    const root = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].includes(type);
    if (!typeRules) {
      missing.push(type.name);
      continue;
    }
    if (!root || typeRules['*']) continue;
    for (const field of Object.keys(type.getFields())) {
      if (!Object.hasOwn(typeRules, field)) missing.push(`${type.name}.${field}`);
    }
  }
  return missing;
}

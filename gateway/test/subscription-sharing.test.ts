import { readFileSync } from 'node:fs';
import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { isRoleScoped, scopeOf } from '../src/subscriptions/sharing.js';

// Which subscriptions may be shared between people with the same memberships (sharing.ts).
const schema = buildSchema(readFileSync(new URL('../../schema/api.graphql', import.meta.url), 'utf8'));
const scoped = (query: string) => isRoleScoped(schema, parse(query));

describe('role-scoped subscriptions', () => {
  it('shares a run subscription that selects only fields every member with the same roles sees alike', () => {
    expect(scoped(`subscription($o: ID!) { workflowRunsChanged(organizationId: $o) { cursor type at run { id state startedBy { id name } organization { name } __typename } } }`)).toBe(true);
  });

  it('follows fragments: a field visible to oneself only inside one keeps the subscription per user', () => {
    expect(scoped(`subscription($o: ID!) { workflowRunsChanged(organizationId: $o) { run { ...R } } } fragment R on WorkflowRun { id startedBy { id email } }`)).toBe(false);
    expect(scoped(`subscription($o: ID!) { workflowRunsChanged(organizationId: $o) { run { ... on WorkflowRun { id } } } }`)).toBe(true);
  });

  it('keeps per user any subscription filtered by who asks, or any field not checked', () => {
    expect(scoped(`subscription($o: ID!) { myTasksChanged(organizationId: $o) { cursor } }`)).toBe(false);
    expect(scoped(`subscription($o: ID!) { membershipChanged(organizationId: $o) { cursor } }`)).toBe(false);
    expect(scoped(`subscription($o: ID!) { workflowRunsChanged(organizationId: $o) { run { id availableTransitions { name } } } }`)).toBe(false);
  });

  it('puts people in one scope only when their memberships are identical, whatever their order', () => {
    const a = { userId: 'a', sessionId: 's1', memberships: { o1: 'VIEWER', o2: 'MEMBER' } } as const;
    const b = { userId: 'b', sessionId: 's2', memberships: { o2: 'MEMBER', o1: 'VIEWER' } } as const;
    const c = { userId: 'c', sessionId: 's3', memberships: { o1: 'VIEWER', o2: 'ADMIN' } } as const;
    expect(scopeOf(a, true)).toBe(scopeOf(b, true));
    expect(scopeOf(a, true)).not.toBe(scopeOf(c, true));
    expect(scopeOf(a, false)).not.toBe(scopeOf(b, false));
    expect(scopeOf({ userId: 'd', sessionId: 's4', memberships: {} }, true)).not.toBe(scopeOf({ userId: 'e', sessionId: 's5', memberships: {} }, true));
  });
});

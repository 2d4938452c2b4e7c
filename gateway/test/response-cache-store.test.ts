import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { cacheabilityOf, tagsOfEvent } from '../src/cache/index.js';
import { ResponseStore } from '../src/cache/store.js';

// The response cache's parts without a network (docs/protocols/response-cache.md): the epochs that
// keep a fill honest, the tag index, what an event drops, and which operations may be cached. The
// whole cache over the platform: e2e/response-cache.e2e.ts.

const store = () => {
  const s = new ResponseStore({ maxBytes: 1024 * 1024, maxAgeMs: 60_000 });
  s.setHealthy(true);
  return s;
};
const tagIndexSize = (s: ResponseStore) => (s as unknown as { keysByTag: Map<string, Set<string>> }).keysByTag.size;

describe('the response store', () => {
  it('drops an entry when one of its tags is invalidated, and keeps the others', () => {
    const s = store();
    s.store('a', ['org:1', 'user:u'], '{"data":1}', s.begin());
    s.store('b', ['org:2', 'user:v'], '{"data":2}', s.begin());
    s.invalidate(['org:1']);
    expect(s.lookup('a')).toBeUndefined();
    expect(s.lookup('b')).toBe('{"data":2}');
    // The dropped entry left the index with it.
    expect(tagIndexSize(s)).toBe(2);
  });

  it('does not keep a fill that began before an invalidation of one of its tags, or before a flush', () => {
    const s = store();
    const raced = s.begin();
    const unrelated = s.begin();
    s.invalidate(['org:1']);
    expect(s.store('a', ['org:1', 'user:u'], '{}', raced)).toBe(false);
    expect(s.store('b', ['org:2', 'user:v'], '{}', unrelated)).toBe(true);
    const beforeFlush = s.begin();
    s.flush();
    expect(s.store('c', ['org:3'], '{}', beforeFlush)).toBe(false);
    // Begun after: kept.
    expect(s.store('d', ['org:1'], '{}', s.begin())).toBe(true);
    expect(s.stats.raced).toBe(2);
  });

  it('remembers an invalidation for a fill in flight however many others come after it', () => {
    const s = store();
    const fill = s.begin();
    s.invalidate(['org:1']);
    for (let i = 0; i < 10_050; i++) s.invalidate([`org:other-${i}`]);
    expect(s.store('a', ['org:1'], '{}', fill)).toBe(false);
    s.end(fill);
    // With no fill in flight, old epochs are forgotten (the map stays bounded).
    for (let i = 0; i < 10_050; i++) s.invalidate([`org:more-${i}`]);
    expect((s as unknown as { tagEpochs: Map<string, number> }).tagEpochs.size).toBeLessThanOrEqual(10_001);
  });

  it('stores nothing and serves nothing while unhealthy, and empties on every change of health', () => {
    const s = store();
    s.store('a', ['org:1'], '{}', s.begin());
    s.setHealthy(false);
    expect(s.lookup('a')).toBeUndefined();
    expect(s.store('b', ['org:1'], '{}', s.begin())).toBe(false);
    s.setHealthy(true);
    expect(s.store('b', ['org:1'], '{}', s.begin())).toBe(true);
  });

  it('keeps its tag index in step with evictions by size', () => {
    const s = new ResponseStore({ maxBytes: 4096, maxAgeMs: 60_000 });
    s.setHealthy(true);
    for (let i = 0; i < 50; i++) s.store(`key-${i}`, [`org:${i}`], 'x'.repeat(500), s.begin());
    expect(s.size).toBeLessThan(50);
    expect(tagIndexSize(s)).toBe(s.size);
    expect(s.bytes).toBeLessThanOrEqual(4096);
  });
});

describe('what an event drops', () => {
  it("drops an organization's tag, the person a membership event names, or everything", () => {
    expect(tagsOfEvent(JSON.stringify({ stream: 'file.org:o', seq: 1, type: 'file.renamed', organizationId: 'o', payload: { fileId: 'f' } }))).toEqual(['org:o']);
    expect(tagsOfEvent(JSON.stringify({ stream: 'user.org:o:members', seq: 2, type: 'membership.added', organizationId: 'o', payload: { userId: 'u' } }))).toEqual(['org:o', 'user:u']);
    expect(tagsOfEvent(JSON.stringify({ stream: 'user.user:u', seq: 1, type: 'user.renamed', organizationId: null, payload: {} }))).toBeNull();
    // A person's sessions ended: their own answers, not everyone's (requests on them are refused before the cache).
    expect(tagsOfEvent(JSON.stringify({ stream: 'user.user:u:sessions', seq: 1, type: 'session.ended', organizationId: null, payload: { userId: 'u', sessionIds: ['s'] } }))).toEqual(['user:u']);
    expect(tagsOfEvent('not json')).toBeNull();
  });
});

describe('which operations may be cached', () => {
  const schema = buildSchema(readFileSync(fileURLToPath(new URL('../../schema/api.graphql', import.meta.url)), 'utf8'));
  const check = (source: string, name?: string) => {
    const document = parse(source);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!name || d.name?.value === name))!;
    return cacheabilityOf(schema, document, operation);
  };
  const dashboards = readFileSync(fileURLToPath(new URL('../../schema/operations/dashboard.graphql', import.meta.url)), 'utf8');

  it("caches the platform dashboard when its range's variables are given, beside a mutation in the same document", () => {
    expect(check(dashboards, 'PlatformDashboard')).toEqual({ cacheable: true, requiredVariables: ['from', 'to'], roleScoped: false });
  });

  it('never caches a window ending now, a field off the list, a mutation, introspection or @defer', () => {
    expect(check(dashboards, 'OrganizationDashboard').cacheable).toBe(false); // activity without `to`
    expect(check(dashboards, 'TransitionRun').cacheable).toBe(false);
    expect(check('{ viewer { id email } }').cacheable).toBe(false);
    expect(check('query($id: ID!) { organization(id: $id) { activity(from: null, to: "2026-01-01T00:00:00Z") { eventCount } } }').cacheable).toBe(false);
    expect(check('{ __schema { queryType { name } } }').cacheable).toBe(false);
    expect(check('query($id: ID!) { organization(id: $id) { ... @defer { name } } }').cacheable).toBe(false);
    expect(check('query($id: ID!) { organization(id: $id) { ...F } } fragment F on Organization { name files { nodes { downloadUrl } } }').cacheable).toBe(false);
    expect(check('query($id: ID!) { organization(id: $id) { ...F } } fragment F on Organization { name }').cacheable).toBe(true);
  });
});

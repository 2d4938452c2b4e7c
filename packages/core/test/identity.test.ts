import { describe, expect, it, vi } from 'vitest';
import type { RoleSource } from '../src/index.js';
import { requireRole, requireRoleFrom, roleFrom, roleIn, signInternalToken, verifyInternalToken, verifiedInternalTokenCount, type Viewer } from '../src/index.js';

const SECRET = 'unit-test-secret-0123456789abcdef0123';
const viewer: Viewer = { userId: 'u1', sessionId: 's1', memberships: { org1: 'MEMBER' } };

describe('roles', () => {
  it('treats inherited object keys such as "constructor" as no membership', () => {
    expect(roleIn(viewer, 'constructor')).toBeNull();
    expect(() => requireRole(viewer, 'constructor')).toThrow(expect.objectContaining({ extensions: { code: 'NOT_FOUND' } }));
    expect(() => requireRole(viewer, '__proto__')).toThrow(expect.objectContaining({ extensions: { code: 'NOT_FOUND' } }));
  });

  it('answers a member below the needed role with FORBIDDEN and a non-member with NOT_FOUND', () => {
    expect(requireRole(viewer, 'org1', 'VIEWER')).toBe('MEMBER');
    expect(() => requireRole(viewer, 'org1', 'ADMIN')).toThrow(expect.objectContaining({ extensions: { code: 'FORBIDDEN' } }));
    expect(() => requireRole(viewer, 'org2')).toThrow(expect.objectContaining({ extensions: { code: 'NOT_FOUND' } }));
    expect(() => requireRole(null, 'org1')).toThrow(expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } }));
  });
});

describe('roles from another source (the user subgraph reads its own tables)', () => {
  // A stand-in for the user subgraph's tables: it says ADMIN for org1 and org3 whoever asks.
  const tables: RoleSource = async (_viewer, organizationId) => (organizationId === 'org1' || organizationId === 'org3' ? 'ADMIN' : null);

  it('checks the role the source gives, with the same refusals as the token check', async () => {
    await expect(requireRoleFrom(tables, viewer, 'org1', 'ADMIN')).resolves.toBe('ADMIN');
    await expect(requireRoleFrom(tables, viewer, 'org1', 'OWNER')).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await expect(requireRoleFrom(tables, viewer, 'org2')).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    await expect(requireRoleFrom(tables, null, 'org1')).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('answers IP_NOT_ALLOWED for an organization the gateway withheld, whatever the source says', async () => {
    const withheld: Viewer = { ...viewer, deniedOrgs: ['org3'] };
    expect(await roleFrom(tables, withheld, 'org3')).toBeNull();
    await expect(requireRoleFrom(tables, withheld, 'org3')).rejects.toMatchObject({ extensions: expect.objectContaining({ code: 'IP_NOT_ALLOWED' }) });
    expect(await roleFrom(tables, withheld, 'org1')).toBe('ADMIN');
    expect(() => requireRole(withheld, 'org3')).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'IP_NOT_ALLOWED' }) }));
  });
});

describe('internal token', () => {
  it('round-trips the viewer for the audience it was signed for', async () => {
    const token = await signInternalToken(SECRET, 'workflow', viewer);
    expect(await verifyInternalToken(SECRET, "workflow", token)).toEqual({ ok: true, viewer, clientIp: null });
  });

  it('refuses another audience, another secret, a missing token and an unsigned one', async () => {
    const token = await signInternalToken(SECRET, 'workflow', viewer);
    expect((await verifyInternalToken(SECRET, 'file', token)).ok).toBe(false);
    expect((await verifyInternalToken(`${SECRET}x`, 'workflow', token)).ok).toBe(false);
    expect((await verifyInternalToken(SECRET, 'workflow', undefined)).ok).toBe(false);
    const [, payload] = token.split('.');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expect((await verifyInternalToken(SECRET, 'workflow', none)).ok).toBe(false);
  });

  it("carries the client's IP address for throttling and audit", async () => {
    const token = await signInternalToken(SECRET, 'user', null, '203.0.113.7');
    expect(await verifyInternalToken(SECRET, 'user', token)).toEqual({ ok: true, viewer: null, clientIp: '203.0.113.7' });
  });

  it('drops roles that are not in the catalogue', async () => {
    const token = await signInternalToken(SECRET, 'user', { ...viewer, memberships: { org1: 'ADMIN', org2: 'ROOT' as never } });
    const result = await verifyInternalToken(SECRET, 'user', token);
    expect(result).toEqual({ ok: true, viewer: { ...viewer, memberships: { org1: 'ADMIN' } }, clientIp: null });
  });

  // The soak benchmark (docs/benchmarks.md section 4) saw every subgraph's heap grow for 20
  // minutes: the gateway signs a new token per viewer every 5 s, and the cache of verified tokens
  // dropped expired ones only once it held 10,000. The clock is moved, nothing waits.
  it('keeps verified tokens about one lifetime (60 s), not until the cache is full', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const start = Date.now();
      let most = 0;
      // Ten minutes of one new token a second (a new session each, as new viewers would be).
      for (let second = 0; second < 600; second++) {
        vi.setSystemTime(start + second * 1000);
        const token = await signInternalToken(SECRET, 'workflow', { ...viewer, sessionId: `soak-${second}` });
        expect((await verifyInternalToken(SECRET, 'workflow', token)).ok).toBe(true);
        // Tokens of the earlier tests expire within the first minute too.
        if (second >= 61) most = Math.max(most, verifiedInternalTokenCount());
      }
      expect(most).toBeLessThanOrEqual(61);
      // Once every token has expired, the next verification leaves only itself.
      vi.setSystemTime(start + 700_000);
      expect((await verifyInternalToken(SECRET, 'workflow', await signInternalToken(SECRET, 'workflow', viewer))).ok).toBe(true);
      expect(verifiedInternalTokenCount()).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { ipAllowed, normalizeCidr } from '../src/allow-list.js';
import { requireRole, signInternalToken, verifyInternalToken, type Viewer } from '../src/identity.js';

const SECRET = 'allow-list-test-secret-0123456789abcdef';

describe('IP allow-list entries', () => {
  it('reads IPv4 and IPv6 CIDRs and bare addresses in canonical form, and nothing else', () => {
    expect(normalizeCidr('10.1.2.3/8')).toBe('10.0.0.0/8');
    expect(normalizeCidr(' 2001:DB8::1/32 ')).toBe('2001:db8::/32');
    expect(normalizeCidr('127.0.0.1')).toBe('127.0.0.1/32');
    expect(normalizeCidr('::1')).toBe('::1/128');
    for (const bad of ['10.0.0.0/33', '::/129', '127.1', '0x7f.0.0.1', 'example.com', '', '1.2.3.4/']) expect(normalizeCidr(bad), bad).toBeNull();
  });

  it('allows an address inside a range, an IPv4-mapped IPv6 address as its IPv4 one, and anything when the list is empty', () => {
    expect(ipAllowed(['10.0.0.0/8'], '127.0.0.1')).toBe(false);
    expect(ipAllowed(['127.0.0.1/32'], '127.0.0.1')).toBe(true);
    expect(ipAllowed(['127.0.0.1/32'], '::ffff:127.0.0.1')).toBe(true);
    expect(ipAllowed(['2001:db8::/32'], '2001:db8:ffff::1')).toBe(true);
    expect(ipAllowed(['2001:db8::/32'], '10.0.0.1')).toBe(false);
    expect(ipAllowed([], null)).toBe(true);
    // A list and no known address: nothing is allowed (fail closed).
    expect(ipAllowed(['0.0.0.0/0'], null)).toBe(false);
  });
});

describe('the internal token deniedOrgs claim', () => {
  const viewer: Viewer = { userId: '00000000-0000-4000-8000-000000000001', sessionId: 's', memberships: { a: 'ADMIN' }, deniedOrgs: ['b'] };

  it('carries withheld organizations, which requireRole answers with IP_NOT_ALLOWED instead of NOT_FOUND', async () => {
    const verified = await verifyInternalToken(SECRET, 'user', await signInternalToken(SECRET, 'user', viewer, '203.0.113.1'));
    if (!verified.ok) throw new Error(verified.reason);
    expect(verified.viewer).toEqual(viewer);
    expect(() => requireRole(verified.viewer, 'b')).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'IP_NOT_ALLOWED', organizationId: 'b' }) }));
    expect(() => requireRole(verified.viewer, 'c')).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) }));
  });

  it('is left out when nothing is withheld, so such tokens are as before', async () => {
    const token = await signInternalToken(SECRET, 'user', { ...viewer, deniedOrgs: [] });
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(payload).not.toHaveProperty('denied');
    const verified = await verifyInternalToken(SECRET, 'user', token);
    expect(verified.ok && verified.viewer).toEqual({ userId: viewer.userId, sessionId: 's', memberships: { a: 'ADMIN' } });
  });
});

import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signatures of the URLs the file subgraph serves itself (local disk: docs/protocols/uploads.md).
 * The key is derived from the internal token secret, so no new secret is needed and a URL signed
 * by one instance is accepted by every other.
 */
export interface UrlSigner {
  sign(fields: readonly string[], expiresAt: Date): string;
  verify(fields: readonly string[], expires: string | undefined, signature: string | undefined, now?: Date): boolean;
}

export function urlSigner(internalTokenSecret: string): UrlSigner {
  const key = createHmac('sha256', internalTokenSecret).update('organoise file urls v1').digest();
  const mac = (fields: readonly string[], expires: string) =>
    createHmac('sha256', key)
      .update([...fields, expires].join('\n'))
      .digest();
  return {
    sign: (fields, expiresAt) => mac(fields, String(Math.floor(expiresAt.getTime() / 1000))).toString('base64url'),
    verify: (fields, expires, signature, now = new Date()) => {
      if (!expires || !signature || !/^\d{1,12}$/.test(expires) || Number(expires) * 1000 < now.getTime()) return false;
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(fields, expires);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

export const unixSeconds = (at: Date) => String(Math.floor(at.getTime() / 1000));

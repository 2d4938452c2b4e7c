import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_AUDIENCE, type Database } from '@organoise/core';
import { isNull } from 'drizzle-orm';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { signingKeys } from '../../db/schema.js';

export interface TokenSettings {
  issuer: string;
  ttlSeconds: number;
}

/**
 * Signs access tokens with the newest active ES256 key and publishes every active public key as
 * JWKS. Keys live in the database so every replica signs with the same key and tokens survive a
 * restart; rotation (a new key, the old one kept until its tokens expire) comes with the identity issue.
 */
export class TokenIssuer {
  private key: { kid: string; privateKey: CryptoKey } | undefined;
  private publicKeys: JWK[] = [];

  constructor(
    private readonly db: Database,
    readonly settings: TokenSettings,
  ) {}

  async init(): Promise<void> {
    let rows = await this.db.select().from(signingKeys).where(isNull(signingKeys.retiredAt));
    if (rows.length === 0) {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      const kid = randomUUID();
      await this.db
        .insert(signingKeys)
        .values({ kid, alg: 'ES256', privateJwk: await exportJWK(privateKey), publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } })
        .onConflictDoNothing();
      rows = await this.db.select().from(signingKeys).where(isNull(signingKeys.retiredAt));
    }
    rows.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    const newest = rows[0]!;
    this.key = { kid: newest.kid, privateKey: (await importJWK(newest.privateJwk as JWK, 'ES256')) as CryptoKey };
    this.publicKeys = rows.map((r) => r.publicJwk as JWK);
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.publicKeys };
  }

  async sign(userId: string, sessionId: string): Promise<{ token: string; expiresAt: Date }> {
    if (!this.key) throw new Error('TokenIssuer.init() was not awaited');
    const expiresAt = new Date(Date.now() + this.settings.ttlSeconds * 1000);
    const token = await new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'ES256', kid: this.key.kid, typ: 'JWT' })
      .setIssuer(this.settings.issuer)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.key.privateKey);
    return { token, expiresAt };
  }
}

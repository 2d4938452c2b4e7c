import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_AUDIENCE, type Database } from '@organoise/core';
import { and, eq, isNull } from 'drizzle-orm';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { systemClock, type Clock } from '../../clock.js';
import { signingKeys } from '../../db/schema.js';

export interface TokenSettings {
  issuer: string;
  ttlSeconds: number;
  /** A signing key older than this is replaced (at start and on the periodic reload); startUserSubgraph defaults it to 30. */
  rotationDays?: number | undefined;
}

/** Each replica re-reads the keys this often, so a rotation made by one reaches all. */
const RELOAD_SECONDS = 60;
/**
 * A new key is published this long before it signs anything: a verifier that fetched the JWKS
 * just before the rotation (jose waits 30 s before fetching again) already knows it by then.
 */
export const PUBLISH_AHEAD_SECONDS = 2 * RELOAD_SECONDS;

type KeyRow = typeof signingKeys.$inferSelect;

/**
 * Signs access tokens with ES256 keys kept in the database (so every replica signs with the same
 * key and tokens survive a restart) and publishes the active public keys as JWKS. Keys rotate:
 * a key older than `rotationDays` is replaced; the old one stays published until every token it
 * signed has expired, then is retired.
 */
export class TokenIssuer {
  private key: { kid: string; privateKey: CryptoKey } | undefined;
  private publicKeys: JWK[] = [];
  private loadedAt = 0;
  private reloading: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    readonly settings: TokenSettings,
    private readonly clock: Clock = systemClock,
  ) {}

  async init(): Promise<void> {
    await this.refresh();
  }

  /** Rotates if due, retires keys whose tokens have all expired, and reloads. */
  async refresh(): Promise<void> {
    await this.rotateIfDue();
    await this.retireExpired();
    await this.load();
  }

  /** Adds a new signing key now, whatever the age of the current one (compromise, tests). */
  async rotate(): Promise<string> {
    const kid = await this.createKey();
    await this.load();
    return kid;
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.publicKeys };
  }

  /** Reloads when the last load is older than the reload interval (one reload at a time). */
  async fresh(): Promise<this> {
    if (this.clock.now().getTime() - this.loadedAt >= RELOAD_SECONDS * 1000) {
      this.reloading ??= this.refresh().finally(() => (this.reloading = undefined));
      await this.reloading;
    }
    return this;
  }

  async sign(userId: string, sessionId: string, claims: { aal?: 1 | 2 } = {}): Promise<{ token: string; expiresAt: Date }> {
    await this.fresh();
    if (!this.key) throw new Error('TokenIssuer.init() was not awaited');
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.settings.ttlSeconds * 1000);
    const token = await new SignJWT({ sid: sessionId, aal: claims.aal ?? 1 })
      .setProtectedHeader({ alg: 'ES256', kid: this.key.kid, typ: 'JWT' })
      .setIssuer(this.settings.issuer)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(userId)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.key.privateKey);
    return { token, expiresAt };
  }

  private async active(): Promise<KeyRow[]> {
    const rows = await this.db.select().from(signingKeys).where(isNull(signingKeys.retiredAt));
    return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  private async createKey(db: Database = this.db): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = randomUUID();
    await db.insert(signingKeys).values({
      kid,
      alg: 'ES256',
      privateJwk: await exportJWK(privateKey),
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
      createdAt: this.clock.now(),
    });
    return kid;
  }

  private async rotateIfDue(): Promise<void> {
    const rows = await this.active();
    const newest = rows.at(-1);
    const maxAgeMs = (this.settings.rotationDays ?? Infinity) * 86_400_000;
    if (newest && this.clock.now().getTime() - newest.createdAt.getTime() < maxAgeMs) return;
    // Replicas starting together would each add a key; the lock makes the later ones see the first's.
    await this.db.transaction(async (tx) => {
      const locked = await tx.select({ kid: signingKeys.kid, createdAt: signingKeys.createdAt }).from(signingKeys).where(isNull(signingKeys.retiredAt)).for('update');
      const latest = Math.max(0, ...locked.map((r) => r.createdAt.getTime()));
      if (locked.length > 0 && this.clock.now().getTime() - latest < maxAgeMs) return;
      await this.createKey(tx as unknown as Database);
    });
  }

  /** A replaced key is retired once the last token it could have signed has expired. */
  private async retireExpired(): Promise<void> {
    const rows = await this.active();
    const now = this.clock.now().getTime();
    const lastUse = (successor: KeyRow) => successor.createdAt.getTime() + (PUBLISH_AHEAD_SECONDS + RELOAD_SECONDS) * 1000;
    for (let i = 0; i < rows.length - 1; i++) {
      if (now >= lastUse(rows[i + 1]!) + Math.max(this.settings.ttlSeconds, 0) * 1000) {
        await this.db.update(signingKeys).set({ retiredAt: this.clock.now() }).where(and(eq(signingKeys.kid, rows[i]!.kid), isNull(signingKeys.retiredAt)));
      }
    }
  }

  private async load(): Promise<void> {
    const rows = await this.active();
    if (rows.length === 0) throw new Error('no active signing key');
    const now = this.clock.now().getTime();
    // The newest key published long enough ago signs; a brand-new key waits (unless it is the only one).
    const ready = rows.filter((r) => now - r.createdAt.getTime() >= PUBLISH_AHEAD_SECONDS * 1000);
    const signer = ready.at(-1) ?? rows.at(-1)!;
    if (this.key?.kid !== signer.kid) {
      this.key = { kid: signer.kid, privateKey: (await importJWK(signer.privateJwk as JWK, 'ES256')) as CryptoKey };
    }
    this.publicKeys = rows.map((r) => r.publicJwk as JWK);
    this.loadedAt = now;
  }
}

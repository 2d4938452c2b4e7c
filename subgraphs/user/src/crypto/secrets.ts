import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Logger } from '@organoise/core';

/**
 * AES-256-GCM for secrets the platform must read back (TOTP secrets). Each ciphertext names the
 * key that made it (`v1.<kid>.<iv>.<tag>.<data>`), so keys rotate: the first key encrypts, every
 * listed key decrypts. The associated data binds a ciphertext to its owner and use.
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  private readonly current: string;

  constructor(keys: [string, Buffer][]) {
    if (keys.length === 0) throw new Error('SecretBox needs at least one key');
    for (const [kid, key] of keys) {
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(kid)) throw new Error(`encryption key id "${kid}" must be 1-32 letters, digits, _ or -`);
      if (key.length !== 32) throw new Error(`encryption key "${kid}" must be 32 bytes (base64 of 32 random bytes)`);
    }
    this.keys = new Map(keys);
    this.current = keys[0]![0];
  }

  /** Parses ENCRYPTION_KEYS (`kid:base64key[,kid:base64key]`); without it, a development key and a warning. */
  static fromSetting(setting: string | undefined, log: Logger): SecretBox {
    if (!setting?.trim()) {
      log.warn('ENCRYPTION_KEYS is not set: secrets are encrypted with a development key that is public; set it in production');
      return new SecretBox([['dev', Buffer.alloc(32, 'organoise-development-key-000000')]]);
    }
    return new SecretBox(
      setting.split(',').map((entry) => {
        const at = entry.indexOf(':');
        if (at < 1) throw new Error('ENCRYPTION_KEYS must look like kid:base64key[,kid:base64key]');
        return [entry.slice(0, at).trim(), Buffer.from(entry.slice(at + 1).trim(), 'base64')] as [string, Buffer];
      }),
    );
  }

  get currentKeyId(): string {
    return this.current;
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.current)!, iv);
    cipher.setAAD(Buffer.from(context));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.current, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  decrypt(sealed: string, context: string): string {
    const [version, kid, iv, tag, data] = sealed.split('.');
    const key = kid ? this.keys.get(kid) : undefined;
    if (version !== 'v1' || !key || !iv || !tag || data === undefined) throw new Error(`cannot decrypt: unknown format or key id "${kid}"`);
    // The tag length is pinned: without it GCM accepts a truncated tag (down to 4 bytes), which is
    // far easier to forge than the 16 bytes every ciphertext here carries.
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Whether a ciphertext was made with an older key (worth re-encrypting). */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.current;
  }
}

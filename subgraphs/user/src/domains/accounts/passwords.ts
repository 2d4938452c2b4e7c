import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id baseline (19 MiB, 2 passes). Hashing runs on libuv's thread pool.
// 2 is Algorithm.Argon2id (a const enum, which isolated modules cannot read).
const OPTIONS = { algorithm: 2 as const, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string) => hash(password, OPTIONS);

/** A hash of nothing anyone knows: verifying against it makes an unknown email cost as much as a known one. */
let decoy: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (passwordHash === null) {
    await verify(await (decoy ??= hashPassword(`decoy-${Math.random()}`)), password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}

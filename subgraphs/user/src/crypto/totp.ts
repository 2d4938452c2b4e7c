import { generate, generateSecret, generateURI, verify } from 'otplib';

/**
 * TOTP through otplib (RFC 6238 with the defaults every authenticator app speaks: HMAC-SHA1,
 * 6 digits, 30 s steps). The platform adds what otplib leaves to its caller: the clock (a
 * `Date`, so tests can move it) and replay protection, by passing the last time step used as
 * `afterTimeStep` and storing the step of each accepted code.
 */
const STEP_SECONDS = 30;
/** One step of clock drift either way (otplib counts the tolerance in seconds). */
const TOLERANCE_SECONDS = STEP_SECONDS;

const epochOf = (at: Date) => Math.floor(at.getTime() / 1000);

export const timeStep = (at: Date) => Math.floor(epochOf(at) / STEP_SECONDS);

/** A new 160-bit secret, base32 (what authenticator apps take). */
export const generateTotpSecret = () => generateSecret({ length: 20 });

/** The code an authenticator app shows for `secretBase32` at `at`. */
export const totpAt = (secretBase32: string, at: Date) => generate({ secret: secretBase32, epoch: epochOf(at) });

/**
 * The time step a code matches, within one step of clock drift, or null. Only steps after
 * `afterTimeStep` count: a code already used (or an older one) is refused.
 */
export async function verifyTotp(secretBase32: string, code: string, at: Date, afterTimeStep: number | null): Promise<number | null> {
  // otplib throws on malformed tokens; for a sign-in they are simply wrong.
  if (!/^\d{6}$/.test(code)) return null;
  // otplib throws when afterTimeStep lies past the window (the clock went back): nothing can match.
  if (afterTimeStep !== null && afterTimeStep > timeStep(at) + TOLERANCE_SECONDS / STEP_SECONDS) return null;
  const result = await verify({
    secret: secretBase32,
    token: code,
    epoch: epochOf(at),
    epochTolerance: TOLERANCE_SECONDS,
    afterTimeStep: afterTimeStep ?? undefined,
  });
  // The result is an object either way ({ valid: false } is truthy): read `valid`. The type is
  // shared with HOTP, whose results carry no time step.
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

export const otpauthUri = (secretBase32: string, account: string, issuer: string) => generateURI({ issuer, label: account, secret: secretBase32 });

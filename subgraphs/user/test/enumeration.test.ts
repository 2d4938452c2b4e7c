import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { codesOf } from '@organoise/core/testing';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../src/db/schema.js';
import { ManualClock, MemoryMailer } from '../src/index.js';
import { useUserSubgraph } from './support/subgraph.js';

// Every flow that takes an email answers a known and an unknown address alike: the same answer
// and no timing a client can separate (sign-up here with SIGN_UP_VERIFICATION on, as in production).
const clock = new ManualClock(new Date('2036-01-01T09:00:00Z'));
const mailer = new MemoryMailer();
const PASSWORD = 'correct horse battery';

const subgraph = useUserSubgraph({
  // The timing samples fail many sign-ins; waits are not what is measured here.
  throttle: { accountMaxFailures: 1000, ipMaxFailures: 100_000 },
  mail: { mailer },
  appUrl: 'https://app.example.test',
  signUpVerification: true,
  clock,
}, { ip: '198.51.100.99' });
const { call } = subgraph;

const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`;
const COMPLETE = `mutation($i: CompleteSignUpInput!) { completeSignUp(input: $i) { accessToken user { email emailVerified } } }`;
const fresh = (prefix: string) => `${prefix}-${randomUUID()}@example.com`;

async function mailsTo(email: string) {
  await subgraph.server.services.background.idle();
  return mailer.sent.filter((m) => m.to === email);
}
const tokenIn = (text: string) => /complete-sign-up\?token=([A-Za-z0-9_-]+)/.exec(text)![1]!;

/** An account made the way completeSignUp makes one. */
async function account(): Promise<string> {
  const email = fresh('known');
  expect((await call(SIGN_UP, { i: { email, password: PASSWORD, name: 'Kim' } })).data).toEqual({ signUp: null });
  const token = tokenIn((await mailsTo(email))[0]!.text);
  expect((await call(COMPLETE, { i: { token, password: PASSWORD } })).errors).toBeUndefined();
  return email;
}

describe('sign-up through a mailed link (SIGN_UP_VERIFICATION on)', () => {
  it('creates the account only when the link comes back with the same password, verified, and each link works once', async () => {
    const email = fresh('new');
    expect((await call(SIGN_UP, { i: { email, password: PASSWORD, name: 'Noa' } })).data).toEqual({ signUp: null });
    expect(await subgraph.server.services.db.select().from(users).where(eq(users.email, email))).toEqual([]);
    const [mail] = await mailsTo(email);
    expect(mail!.subject).toMatch(/finish creating/i);
    const token = tokenIn(mail!.text);
    // Whoever opens the link must also be whoever signed up.
    expect(codesOf(await call(COMPLETE, { i: { token, password: 'someone elses password' } }))).toEqual(['INVALID_CREDENTIALS']);
    expect(await subgraph.server.services.db.select().from(users).where(eq(users.email, email))).toEqual([]);
    const done = await call(COMPLETE, { i: { token, password: PASSWORD } });
    expect(done.data!.completeSignUp.user).toEqual({ email, emailVerified: true });
    expect(codesOf(await call(COMPLETE, { i: { token, password: PASSWORD } }))).toEqual(['EMAIL_TOKEN_INVALID']);
    expect(codesOf(await call(COMPLETE, { i: { token: 'x'.repeat(43), password: PASSWORD } }))).toEqual(['EMAIL_TOKEN_INVALID']);
  });

  it('answers an address that has an account exactly as one that has none, and mails its owner what happened', async () => {
    const known = await account();
    const unknown = fresh('unknown');
    const a = await call(SIGN_UP, { i: { email: known, password: 'another long password', name: 'Eve' } });
    const b = await call(SIGN_UP, { i: { email: unknown, password: 'another long password', name: 'Eve' } });
    expect(a).toEqual(b);
    const [note] = (await mailsTo(known)).slice(1);
    expect(note!.subject).toMatch(/tried to sign up/i);
    expect(note!.text).not.toMatch(/token=/);
    // The owner's password stays, and nothing the stranger chose signs in.
    expect(codesOf(await call(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email: known, password: 'another long password' } }))).toEqual(['INVALID_CREDENTIALS']);
    expect((await call(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email: known, password: PASSWORD } })).errors).toBeUndefined();
    // At most one message a minute per address, whichever kind.
    await call(SIGN_UP, { i: { email: known, password: 'another long password', name: 'Eve' } });
    expect(await mailsTo(known)).toHaveLength(2);
  });
});

/**
 * The best a client can do from timings alone: the share of samples one threshold classifies
 * right (0.5 = a coin toss). Computed on the samples themselves, so it errs toward separable.
 */
function separability(known: number[], unknown: number[]): number {
  const all = [...known.map((t) => ({ t, k: true })), ...unknown.map((t) => ({ t, k: false }))].sort((x, y) => x.t - y.t);
  let best = 0.5;
  let knownBelow = 0;
  let unknownBelow = 0;
  for (const sample of all) {
    if (sample.k) knownBelow++;
    else unknownBelow++;
    // "At or below the threshold means known" and the reverse.
    const acc = (knownBelow + (unknown.length - unknownBelow)) / all.length;
    best = Math.max(best, acc, 1 - acc);
  }
  return best;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const SAMPLES = 60;

describe('timing of the flows that take an email', () => {
  const flows: Record<string, { prepare: () => Promise<string>; run: (email: string) => Promise<unknown> }> = {
    requestPasswordReset: { prepare: account, run: (email) => call(`mutation($e: String!) { requestPasswordReset(email: $e) }`, { e: email }) },
    signIn: { prepare: account, run: (email) => call(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email, password: 'a wrong password' } }) },
    signUp: { prepare: account, run: (email) => call(SIGN_UP, { i: { email, password: 'a long new password', name: 'Tim' } }) },
  };

  for (const [name, flow] of Object.entries(flows)) {
    it(`${name}: the same answer, and timings no threshold separates (${SAMPLES} + ${SAMPLES} samples, interleaved; a second round if the first separates)`, async () => {
      const round = async () => {
        const knownEmails = await Promise.all(Array.from({ length: SAMPLES }, () => flow.prepare()));
        const order = [...knownEmails.map((email) => ({ email, known: true })), ...Array.from({ length: SAMPLES }, () => ({ email: fresh('nobody'), known: false }))].sort(() => Math.random() - 0.5);
        const times = { known: [] as number[], unknown: [] as number[] };
        const answers = { known: new Set<string>(), unknown: new Set<string>() };
        for (const sample of order) {
          await subgraph.server.services.background.idle();
          const start = performance.now();
          const answer = await flow.run(sample.email);
          times[sample.known ? 'known' : 'unknown'].push(performance.now() - start);
          answers[sample.known ? 'known' : 'unknown'].add(JSON.stringify(answer));
        }
        expect([...answers.known]).toEqual([...answers.unknown]);
        const score = separability(times.known, times.unknown);
        console.log(`${name}: median known ${median(times.known).toFixed(2)} ms, unknown ${median(times.unknown).toFixed(2)} ms; best threshold classifies ${(score * 100).toFixed(0)}% right (50% = chance)`);
        return score;
      };
      // Chance with 2 x 60 samples and the threshold fitted to them is about 0.6 (0.7 seen on a
      // busy machine); the old reset (its work before answering) scored 0.9. A burst of load on a
      // shared box can still push one round past 0.8 (seen once, next to a typecheck); a leak
      // separates every round, so a second round is taken and both must separate to fail.
      const first = await round();
      const score = first < 0.8 ? first : Math.min(first, await round());
      expect(score).toBeLessThan(0.8);
    }, 300_000);
  }
});

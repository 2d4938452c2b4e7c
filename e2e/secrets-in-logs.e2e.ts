import { randomUUID } from 'node:crypto';
import { capturingLogger, codesOf, postGraphQL, waitFor } from '@organoise/core/testing';
import { MemoryMailer } from '@organoise/subgraph-user';
import { totpAt } from '@organoise/subgraph-user/totp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './harness.js';

// Every service logging at debug into one buffer while a session goes through every flow that
// handles a secret (passwords, access and refresh tokens, TOTP secrets and codes, recovery codes,
// API keys, mailed tokens), successes and failures alike; then the whole log is searched for them.
const log = capturingLogger();
const mailer = new MemoryMailer();
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform({ log, user: { mail: { mailer } } });
});

afterAll(async () => {
  await platform?.stop();
});

describe('the logs of a whole session', () => {
  it('never hold a password, token, hash, TOTP secret, recovery code or API key, nor the SQL parameters of a failed statement', async () => {
    const secrets: string[] = [];
    const keep = <T extends string>(value: T) => (secrets.push(value), value);
    const email = `secrets-${randomUUID()}@example.com`;
    const password = keep(`first secret password ${randomUUID()}`);
    const up = await platform.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken deviceToken } }`, { i: { email, password, name: 'Sec' } });
    expect(up.errors).toBeUndefined();
    const access = keep(up.data!.signUp.accessToken as string);
    keep(up.data!.signUp.deviceToken as string);
    const refresh = keep(up.data!.signUp.refreshToken as string);
    expect(codesOf(await platform.gql(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email, password: keep(`wrong guess ${randomUUID()}`) } }))).toEqual(['INVALID_CREDENTIALS']);
    const rotated = await platform.gql(`mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }`, { t: refresh });
    keep(rotated.data!.refreshSession.refreshToken as string);
    const token = keep(rotated.data!.refreshSession.accessToken as string);
    const enrol = await platform.gql(`mutation { enrollTotp { secret otpauthUri } }`, {}, token);
    const totpSecret = keep(enrol.data!.enrollTotp.secret as string);
    const confirmed = await platform.gql(`mutation($c: String!) { confirmTotp(code: $c) { recoveryCodes accessToken } }`, { c: await totpAt(totpSecret, new Date()) }, token);
    expect(confirmed.errors).toBeUndefined();
    for (const code of confirmed.data!.confirmTotp.recoveryCodes as string[]) keep(code);
    const stepped = keep(confirmed.data!.confirmTotp.accessToken as string);
    const org = await platform.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: 'Secrets', slug: `secrets-${Date.now()}` } }, stepped);
    const key = await platform.gql(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { organizationId: org.data!.createOrganization.id, name: 'logs', role: 'VIEWER' } }, stepped);
    expect(key.errors).toBeUndefined();
    const apiKey = keep(key.data!.createApiKey.secret as string);
    await postGraphQL(platform.gateway.url, `{ viewer { id } }`, {}, { authorization: `ApiKey ${apiKey}` });
    await postGraphQL(platform.gateway.url, `{ viewer { id } }`, {}, { authorization: `ApiKey ${apiKey.slice(0, -4)}abcd` });
    await platform.gql(`{ viewer { id } }`, {}, `${access.slice(0, -4)}abcd`);
    // A statement Postgres refuses (U+0000 reaching the database) and a refused mutation.
    await platform.gql(`query($s: String) { viewer { id } organizations(first: 1) { nodes { id } } }`, { s: 'x\u0000' }, stepped);
    await platform.gql(`mutation($i: ChangePasswordInput!) { changePassword(input: $i) }`, { i: { currentPassword: keep(`another wrong ${randomUUID()}`), newPassword: keep(`never set ${randomUUID()}`) } }, stepped);
    expect((await platform.gql(`mutation($e: String!) { requestPasswordReset(email: $e) }`, { e: email })).errors).toBeUndefined();
    // The mail goes out after the answer.
    await waitFor(() => mailer.sent.some((m) => m.to === email && /reset/i.test(m.subject)), 'the reset mail');
    const reset = keep(/token=([A-Za-z0-9_-]+)/.exec(mailer.sent.find((m) => m.to === email && /reset/i.test(m.subject))!.text)![1]!);
    const newPassword = keep(`second secret password ${randomUUID()}`);
    expect((await platform.gql(`mutation($i: ResetPasswordInput!) { resetPassword(input: $i) }`, { i: { token: reset, newPassword } })).errors).toBeUndefined();
    expect(codesOf(await platform.gql(`mutation($i: ResetPasswordInput!) { resetPassword(input: $i) }`, { i: { token: reset, newPassword } }))).toEqual(['EMAIL_TOKEN_INVALID']);
    expect(codesOf(await platform.gql(`mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, { t: refresh }))).not.toEqual([]);

    const text = log.lines.join("\n");
    // A full run's logs, as production writes them (pino, redaction on): every service's access
    // lines among them.
    expect(log.lines.length).toBeGreaterThan(30);
    const accessLines = log.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'request');
    for (const service of ['gateway', 'user']) expect(accessLines.some((line) => line.service === service), `${service} access lines`).toBe(true);
    expect(accessLines.every((line) => typeof line.path === 'string' && !String(line.path).includes('?'))).toBe(true);
    // The refusals that handle a secret were logged (a forged access token), without it.
    expect(log.lines.some((line) => line.includes('access token refused'))).toBe(true);
    for (const secret of secrets) expect(text.includes(secret), `a secret (${secret.slice(0, 6)}...) is in the logs`).toBe(false);
    expect(text).not.toMatch(/\$argon2id\$/);
  });
});

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useUserSubgraph } from './support/subgraph.js';

// The SMTP mailer (nodemailer) against a real SMTP server listening on a free local port.
interface Received {
  mailFrom: string | null;
  rcptTo: string[];
  raw: string;
}

let smtp: SMTPServer;
let smtpPort: number;
const received: Received[] = [];
const waiters: (() => void)[] = [];
const FROM = 'OrgaNoise <no-reply@organoise.test>';

beforeAll(async () => {
  smtp = new SMTPServer({
    // Plain SMTP on loopback: no TLS certificate to trust, no credentials to check.
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope;
        received.push({ mailFrom: mailFrom ? mailFrom.address : null, rcptTo: rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        for (const wake of waiters.splice(0)) wake();
        callback();
      });
    },
  });
  smtp.listen(0, '127.0.0.1');
  await once(smtp.server, 'listening');
  smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  if (smtp) await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

// Settings known once the SMTP server listens (the hook above); it stops after the subgraph.
const subgraph = useUserSubgraph(() => ({
  // What main.ts passes from SMTP_URL and MAIL_FROM.
  mail: { smtpUrl: `smtp://127.0.0.1:${smtpPort}`, from: FROM },
  appUrl: 'https://app.example.test',
}), { ip: '198.51.100.9' });
const { call } = subgraph;

/** The first message to `to`, waiting for it (reset mail is sent after the mutation answers). */
async function messageTo(to: string, timeoutMs = 10_000): Promise<Received> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = received.find((m) => m.rcptTo.includes(to));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 200);
    });
  }
}

/** Splits a single-part message into headers and its decoded body. */
function parseMessage(raw: string): { headers: string; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const encoded = raw.slice(split + 4);
  const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
  const body =
    encoding === 'base64'
      ? Buffer.from(encoded, 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? Buffer.from(encoded.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8')
        : encoded;
  return { headers, body };
}

describe('SMTP mailer', () => {
  it('delivers the password reset mail to the account address over SMTP, with a reset link that works', async () => {
    const email = `smtp-${Date.now()}@example.com`;
    const signUp = await call(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, { i: { email, password: 'correct horse battery', name: 'Sam' } });
    expect(signUp.errors).toBeUndefined();

    expect((await call(`mutation($e: String!) { requestPasswordReset(email: $e) }`, { e: email })).data!.requestPasswordReset).toBe(true);
    const message = await messageTo(email);
    expect(message.rcptTo).toEqual([email]);
    expect(message.mailFrom).toBe('no-reply@organoise.test');
    const { headers, body } = parseMessage(message.raw);
    expect(headers).toMatch(new RegExp(`^To: ${email.replace(/[.+]/g, '\\$&')}$`, 'im'));
    expect(headers).toMatch(/^Subject: Reset your password$/im);
    const link = /https:\/\/app\.example\.test\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(body);
    expect(link, body).not.toBeNull();

    const reset = await call(`mutation($i: ResetPasswordInput!) { resetPassword(input: $i) }`, { i: { token: link![1], newPassword: 'a passphrase from the mail' } });
    expect(reset.data!.resetPassword).toBe(true);
    const signIn = await call(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email, password: 'a passphrase from the mail' } });
    expect(signIn.errors).toBeUndefined();
  });
});

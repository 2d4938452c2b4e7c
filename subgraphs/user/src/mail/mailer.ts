import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '@organoise/core';
import { createTransport, type Transporter } from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** How the subgraph sends mail: SMTP in production, a folder of files in development, memory in tests. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** Keeps messages in memory (tests read `sent`). */
export class MemoryMailer implements Mailer {
  readonly sent: (MailMessage & { from: string; at: Date })[] = [];

  constructor(private readonly from = 'OrgaNoise <no-reply@organoise.local>') {}

  async send(message: MailMessage): Promise<void> {
    this.sent.push({ ...message, from: this.from, at: new Date() });
  }
}

/**
 * The development outbox: one readable JSON file per message in `dir`. The log names the file,
 * never its content (the content holds single-use tokens).
 */
export class OutboxMailer implements Mailer {
  constructor(
    private readonly dir: string,
    private readonly from: string,
    private readonly log: Logger,
  ) {}

  async send(message: MailMessage): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const at = new Date();
    const path = resolve(join(this.dir, `${at.toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.json`));
    await writeFile(path, `${JSON.stringify({ from: this.from, ...message, date: at.toISOString() }, null, 2)}\n`, { mode: 0o600 });
    this.log.info('mail written to the dev outbox', { path, subject: message.subject });
  }
}

/** SMTP through nodemailer; the URL carries host, port, TLS and credentials (smtp:// or smtps://). */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
  ) {
    // Parses the URL only: no connection is made until the first message.
    this.transport = createTransport(url);
  }

  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({ from: this.from, ...message });
  }
}

export interface MailSettings {
  /** Use this mailer as is (tests). */
  mailer?: Mailer | undefined;
  /** smtp:// or smtps:// URL; without it mail goes to the dev outbox. */
  smtpUrl?: string | undefined;
  from?: string | undefined;
  /** The dev outbox folder (default data/outbox). */
  outboxDir?: string | undefined;
}

export function createMailer(settings: MailSettings, log: Logger): Mailer {
  const from = settings.from ?? 'OrgaNoise <no-reply@organoise.local>';
  if (settings.mailer) return settings.mailer;
  if (settings.smtpUrl) return new SmtpMailer(settings.smtpUrl, from);
  const dir = settings.outboxDir ?? 'data/outbox';
  log.info('no SMTP_URL: mail goes to the dev outbox', { dir: resolve(dir) });
  return new OutboxMailer(dir, from, log);
}

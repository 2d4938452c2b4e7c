import { describe, expect, it } from 'vitest';
import { apolloLogger, createLogger, type Logger } from '../src/index.js';

// Apollo's executor logs plain error objects; the gateway used to log them as "[object Object]".
describe('apolloLogger', () => {
  it('logs strings as they are, and errors and plain error objects with their fields, never as [object Object]', () => {
    const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
    const log = Object.fromEntries(
      ['debug', 'info', 'warn', 'error'].map((level) => [level, (msg: string, fields?: Record<string, unknown>) => lines.push({ level, msg, ...(fields ? { fields } : {}) })]),
    ) as unknown as Logger;
    const logger = apolloLogger(log);
    logger.warn('plain text');
    logger.error({ message: 'Cannot return null for non-nullable field Membership.user.', path: ['organization', 'members', 0, 'user'] });
    logger.error(new TypeError('boom'));
    logger.debug('not at this level');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'plain text'],
      ['error', 'Cannot return null for non-nullable field Membership.user.'],
      ['error', 'boom'],
    ]);
    expect(lines[1]!.fields).toEqual({ error: { message: 'Cannot return null for non-nullable field Membership.user.', path: ['organization', 'members', 0, 'user'] } });
    expect(lines[2]!.fields!.error).toMatchObject({ name: 'TypeError', message: 'boom' });
    expect(JSON.stringify(lines)).not.toContain('[object Object]');
  });
});

describe('createLogger (pino)', () => {
  const capture = () => {
    const lines: string[] = [];
    const destination = { write: (line: string) => void lines.push(line) };
    return { lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, any>), destination };
  };

  it('writes one JSON object per line with the time, the level by name, the message and the fields of the logger and its children', () => {
    const out = capture();
    const log = createLogger({ service: 'user' }, 'info', { destination: out.destination });
    log.debug('below the level');
    log.child({ requestId: 'r-1' }).info('served', { status: 200 });
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]!.endsWith('\n')).toBe(true);
    const [line] = out.parsed();
    expect(line).toMatchObject({ level: 'info', msg: 'served', service: 'user', requestId: 'r-1', status: 200 });
    expect(new Date(line!.time).toISOString()).toBe(line!.time);
  });

  it('describes an error with its name, message, code and stack, not as {}', () => {
    const out = capture();
    createLogger({}, 'info', { destination: out.destination }).error('failed', { error: Object.assign(new TypeError('boom'), { code: 'E_BOOM' }) });
    expect(out.parsed()[0]!.error).toMatchObject({ name: 'TypeError', message: 'boom', code: 'E_BOOM' });
  });

  it('redacts credentials a call site passes by mistake: authorization, cookie, password and token fields, at the top and nested', () => {
    const out = capture();
    const secrets = ['Bearer eyJ-secret-access', 'session=cookie-secret', 'hunter2-secret', 'refresh-secret-token', 'onk_secret_key', 'internal-secret'];
    createLogger({}, 'info', { destination: out.destination }).warn('a careless line', {
      authorization: secrets[0],
      headers: { cookie: secrets[1], 'x-organoise-internal-token': secrets[5] },
      input: { password: secrets[2] },
      variables: { input: { refreshToken: secrets[3] } },
      apiKey: secrets[4],
      tokenCount: 3,
    });
    const text = out.lines.join('');
    for (const secret of secrets) expect(text).not.toContain(secret);
    const [line] = out.parsed();
    expect(line).toMatchObject({ authorization: '[redacted]', headers: { cookie: '[redacted]', 'x-organoise-internal-token': '[redacted]' }, input: { password: '[redacted]' }, variables: { input: { refreshToken: '[redacted]' } }, tokenCount: 3 });
  });
});

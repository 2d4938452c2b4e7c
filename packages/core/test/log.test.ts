import { describe, expect, it } from 'vitest';
import { apolloLogger, type Logger } from '../src/index.js';

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

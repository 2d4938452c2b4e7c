import { DrizzleQueryError } from 'drizzle-orm/errors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createErrorFormatter, createLogger, parseInput, z } from '../src/index.js';

const Input = z.object({ name: z.string(), tags: z.array(z.string()).optional(), data: z.record(z.string(), z.unknown()).optional() });
const refusal = (input: unknown) => {
  try {
    parseInput(Input, input);
    return null;
  } catch (error) {
    return (error as { extensions: Record<string, unknown> }).extensions;
  }
};

describe('one input rule for every mutation: no U+0000, no unpaired surrogate', () => {
  it('refuses them with BAD_USER_INPUT naming where, in any string however deep', () => {
    expect(refusal({ name: 'a\u0000b' })).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: 'name' }] });
    expect(refusal({ name: 'ok', tags: ['fine', 'lone \ud800 high'] })).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: 'tags.1' }] });
    expect(refusal({ name: 'ok', data: { deep: { er: 'lone \udc00 low' } } })).toMatchObject({ code: 'BAD_USER_INPUT', issues: [{ path: 'data.deep.er' }] });
  });

  it('keeps every other character, paired surrogates (emoji) and right-to-left marks included', () => {
    expect(refusal({ name: 'Zoë 😀 \u202e مرحبا \u00a0' })).toBeNull();
  });
});

describe('error logs', () => {
  afterEach(() => vi.restoreAllMocks());

  it("never carry a failed query's parameters (a password hash, a token), only its SQL and the cause", () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
    const secret = '$argon2id$v=19$m=19456,t=2,p=1$SECRET-HASH';
    const failure = new DrizzleQueryError('insert into "users" ("email", "password_hash") values ($1, $2)', ['a@example.com', secret], Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), { code: '23505' }));
    createLogger({ test: true }, 'error').error('unexpected error', { error: failure });
    createErrorFormatter(createLogger({ test: true }, 'error'))({ message: failure.message, extensions: {} }, failure);
    const text = lines.join('');
    expect(text).toContain('insert into \\"users\\"');
    expect(text).toContain('23505');
    expect(text).not.toContain('SECRET-HASH');
    expect(text).not.toContain('a@example.com');
  });

  it('answers a value Postgres cannot store (U+0000 reaching it another way) with BAD_USER_INPUT, not INTERNAL_SERVER_ERROR', () => {
    const failure = new DrizzleQueryError('select 1 where name = $1', ['a\u0000'], Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const formatted = createErrorFormatter(createLogger({ test: true }, 'error'))({ message: 'x', extensions: {} }, failure);
    expect(formatted.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

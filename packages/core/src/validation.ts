import { z } from 'zod';
import { appError, type ValidationIssue } from './errors.js';

/**
 * Validates input at the GraphQL boundary. Invalid input becomes one BAD_USER_INPUT error that
 * lists every problem (path + message), so a client can show them all at once.
 */
/** U+0000 (Postgres cannot store it) or a UTF-16 surrogate without its pair (not text at all). */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Paths of the strings in `input` that no text field may hold, at most `limit` of them. */
function unstorableStrings(input: unknown, path: string[] = [], found: string[] = [], limit = 10): string[] {
  // Past this depth zod's own limits answer; the walk must not be what overflows the stack.
  if (found.length >= limit || path.length > 64) return found;
  if (typeof input === 'string') {
    if (UNSTORABLE.test(input)) found.push(path.join('.'));
  } else if (Array.isArray(input)) {
    input.forEach((item, index) => unstorableStrings(item, [...path, String(index)], found, limit));
  } else if (input && typeof input === 'object') {
    for (const [key, value] of Object.entries(input)) unstorableStrings(value, [...path, key], found, limit);
  }
  return found;
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  // One rule for every input, beside each field's own: no NUL and no lone surrogate anywhere.
  const unstorable: ValidationIssue[] = unstorableStrings(input).map((path) => ({ path, message: 'must not contain U+0000 or an unpaired surrogate' }));
  const result = schema.safeParse(input);
  if (result.success && unstorable.length === 0) return result.data;
  const own: ValidationIssue[] = result.success ? [] : result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  // A field whose own rule already refused the value (a name rule that forbids control
  // characters) is named once.
  const named = new Set(own.map((issue) => issue.path));
  const issues: ValidationIssue[] = [...unstorable.filter((issue) => !named.has(issue.path)), ...own];
  const first = issues[0];
  const summary = first ? `${first.path ? `${first.path}: ` : ''}${first.message}` : 'Invalid input';
  throw appError('BAD_USER_INPUT', `Invalid input: ${summary}`, { issues });
}

export const id = () => z.string().uuid({ message: 'must be a valid id' });
export const nonBlank = (max: number) =>
  z.string().trim().min(1, { message: 'must not be blank' }).max(max, { message: `must be at most ${max} characters` });
export { z };

/**
 * A subscription's `after` argument: the decimal seq of an event received earlier (15 digits
 * stay exact as a JS number), or nothing to start from now.
 */
export const eventCursor = () =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]{0,14})$/, { message: 'must be the cursor of an event received earlier' })
    .nullish()
    .transform((v) => (v === null || v === undefined ? null : Number(v)));

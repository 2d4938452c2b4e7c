import { z } from 'zod';
import { appError, type ValidationIssue } from './errors.js';

/**
 * Validates input at the GraphQL boundary. Invalid input becomes one BAD_USER_INPUT error that
 * lists every problem (path + message), so a client can show them all at once.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
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

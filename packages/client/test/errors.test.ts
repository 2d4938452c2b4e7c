import { CombinedGraphQLErrors } from '@apollo/client';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, describeError, setErrorWording, WEB_WORDING } from '../src/errors';

const refusal = (code: string, extensions: Record<string, unknown> = {}) => new CombinedGraphQLErrors({ errors: [{ message: 'for developers', extensions: { code, ...extensions } }] });

describe('describeError', () => {
  afterEach(() => setErrorWording({}));

  it('should choose the words by code, never the server’s message, and add the wait of a rate limit', () => {
    expect(describeError(refusal('INVALID_CREDENTIALS'))).toEqual({ code: 'INVALID_CREDENTIALS', message: 'That email and password do not match an account.' });
    expect(describeError(refusal('NO_SUCH_CODE')).message).toBe('Something went wrong on our side. Try again; if it keeps happening, tell us.');
    expect(describeError(new ApiError('x', 'RATE_LIMITED', { retryAfterSeconds: 2.2 })).message).toBe('Too many requests. Wait a moment and try again. (about 3 s)');
    expect(describeError(new TypeError('fetch failed')).code).toBe('NETWORK_ERROR');
  });

  it('should speak of pages and tabs in a browser and of the app elsewhere (per-platform wording)', () => {
    expect(describeError(refusal('OPERATION_NOT_ALLOWED')).message).toBe('This version of the app is out of date. Update it.');
    setErrorWording(WEB_WORDING);
    expect(describeError(refusal('OPERATION_NOT_ALLOWED')).message).toBe('This version of the app is out of date. Reload the page.');
    expect(describeError(refusal('TOO_MANY_SUBSCRIPTIONS')).message).toBe('Too many live views are open. Close some tabs.');
    // Only the differing words are replaced.
    expect(describeError(refusal('FORBIDDEN')).message).toBe('Your role in this organization does not allow this.');
  });
});

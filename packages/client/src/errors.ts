import { CombinedGraphQLErrors, ServerError } from '@apollo/client';

/** A GraphQL error answer outside Apollo (the session's own calls), with its code (docs/errors.md). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * What a person is told for each error code (docs/errors.md), in the phone's words; the web app
 * replaces the few that speak of pages and tabs (WEB_WORDING, setErrorWording). The server's
 * message is written for developers; the code is the contract, so the app chooses the words.
 * Codes not listed fall back to a generic sentence, never to the server's text.
 */
const MESSAGES: Record<string, string> = {
  BAD_USER_INPUT: 'Some of what you entered is not valid. Check the highlighted fields.',
  UNAUTHENTICATED: 'Your session has ended. Sign in again.',
  INVALID_CREDENTIALS: 'That email and password do not match an account.',
  FORBIDDEN: 'Your role in this organization does not allow this.',
  NOT_FOUND: 'This does not exist, or you are not a member of its organization.',
  CONFLICT: 'This clashes with something that already exists (an email, key or name in use).',
  INVALID_TRANSITION: 'This step is not possible from the run’s current state.',
  TRANSITION_NOT_ALLOWED: 'Your role may not take this step.',
  STALE_STATE: 'Someone moved this run on while you were looking. It now shows its current state.',
  RUN_FINISHED: 'This run is finished and takes no more steps.',
  LAST_OWNER: 'The organization needs at least one owner.',
  INVITATION_INVALID: 'This invitation is no longer valid. Ask for a new one.',
  PAYLOAD_TOO_LARGE: 'This is too large to upload.',
  CONTENT_TYPE_NOT_ALLOWED: 'This organization does not accept files of this type.',
  UPLOAD_INCOMPLETE: 'Part of the file did not arrive. Upload it again.',
  CHECKSUM_MISMATCH: 'The file changed or was damaged on the way. Upload it again.',
  UPLOAD_EXPIRED: 'This upload took too long and was dropped. Upload the file again.',
  SIGNED_URL_INVALID: 'The upload link ran out. Upload the file again.',
  SUBGRAPH_UNAVAILABLE: 'Part of the service is unavailable right now. Nothing was changed; try again shortly.',
  DATABASE_UNAVAILABLE: 'The service is starting or unavailable. Nothing was changed; try again shortly.',
  OUTCOME_UNKNOWN: 'We could not confirm whether that worked. Check before trying again.',
  IDEMPOTENCY_KEY_REUSED: 'This request was already used for something else. Try again.',
  EVENT_LOG_TRUNCATED: 'You were away too long to catch up; this screen was reloaded with current data.',
  RESUME_TOO_FAR_BEHIND: 'You were away too long to catch up; this screen was reloaded with current data.',
  OPERATION_TOO_COMPLEX: 'That request asks for too much at once.',
  OPERATION_NOT_ALLOWED: 'This version of the app is out of date. Update it.',
  RATE_LIMITED: 'Too many requests. Wait a moment and try again.',
  TOO_MANY_ATTEMPTS: 'Too many failed attempts. Wait a little before trying again.',
  REFRESH_TOKEN_INVALID: 'Your session has ended. Sign in again.',
  REFRESH_TOKEN_REUSED: 'Your session was ended because it was used from two places. Sign in again.',
  SESSION_EXPIRED: 'Your session expired. Sign in again.',
  SECOND_FACTOR_REQUIRED: 'Enter the code from your authenticator app.',
  STEP_UP_REQUIRED: 'Confirm with your second factor first.',
  EMAIL_NOT_VERIFIED: 'Verify your email address first.',
  EMAIL_TOKEN_INVALID: 'This link is no longer valid. Ask for a new one.',
  IP_NOT_ALLOWED: 'This organization does not accept connections from your network.',
  SLOW_CONSUMER: 'The live connection fell behind and is catching up.',
  SCHEMA_RELOADED: 'The service was updated; reconnecting.',
  TOO_MANY_SUBSCRIPTIONS: 'Too many live views are open. Close the app on your other devices and try again.',
  OIDC_PROVIDER_UNKNOWN: 'This sign-in provider is not set up here.',
  OIDC_REDIRECT_MISMATCH: 'This sign-in came back to the wrong address. Start again.',
  OIDC_STATE_INVALID: 'This sign-in expired or was already used. Start again.',
  OIDC_EMAIL_UNVERIFIED: 'An account already uses this email. Sign in with its password, then link the provider in your account settings.',
  OIDC_EMAIL_REQUIRED: 'The provider did not share your email address, which is needed to create your account.',
  OIDC_FAILED: 'The provider refused the sign-in. Start again.',
  OIDC_LAST_SIGN_IN_METHOD: 'This is the only way to sign in to your account. Set a password first.',
  ROLE_TOO_HIGH: 'An API key cannot have a role above yours, nor be an owner.',
  ALLOW_LIST_LOCKOUT: 'This list would lock you out: it must include the address you are connecting from.',
  INTERNAL_SERVER_ERROR: 'Something went wrong on our side. Try again; if it keeps happening, tell us.',
  NETWORK_ERROR: 'The service cannot be reached. Check your connection.',
};

/** Where a browser's words differ from a phone's: pages and tabs, not screens and devices. */
export const WEB_WORDING: Readonly<Record<string, string>> = {
  STALE_STATE: 'Someone moved this run on while you were looking. The page now shows its current state.',
  EVENT_LOG_TRUNCATED: 'You were away too long to catch up; the page was reloaded with current data.',
  RESUME_TOO_FAR_BEHIND: 'You were away too long to catch up; the page was reloaded with current data.',
  OPERATION_NOT_ALLOWED: 'This version of the app is out of date. Reload the page.',
  TOO_MANY_SUBSCRIPTIONS: 'Too many live views are open. Close some tabs.',
};

let wording: Record<string, string> = MESSAGES;

/**
 * Replaces some of the words for the whole app, once at start (the web app passes WEB_WORDING):
 * every describeError, this package's own calls included, then speaks the platform's words.
 */
export function setErrorWording(overrides: Readonly<Record<string, string>>): void {
  wording = { ...MESSAGES, ...overrides };
}

export interface DescribedError {
  code: string;
  message: string;
  /** For BAD_USER_INPUT: the problems by field path. */
  issues?: { path: string; message: string }[];
}

/** The code of an error from Apollo, the session store or fetch. */
export function errorCode(error: unknown): string {
  if (error instanceof ApiError) return error.code;
  // A state the app decided itself, e.g. { code: 'NOT_FOUND' } for a query that answered null.
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  if (CombinedGraphQLErrors.is(error)) return String(error.errors[0]?.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  if (ServerError.is(error)) {
    if (error.statusCode === 401) return 'UNAUTHENTICATED';
    if (error.statusCode === 429) return 'RATE_LIMITED';
    if (error.statusCode === 413) return 'PAYLOAD_TOO_LARGE';
    return 'INTERNAL_SERVER_ERROR';
  }
  return 'NETWORK_ERROR';
}

export function describeError(error: unknown): DescribedError {
  const code = errorCode(error);
  const described: DescribedError = { code, message: wording[code] ?? wording.INTERNAL_SERVER_ERROR! };
  const extensions = error instanceof ApiError ? error.extensions : CombinedGraphQLErrors.is(error) ? error.errors[0]?.extensions : undefined;
  const retryAfter = extensions?.retryAfterSeconds;
  if (typeof retryAfter === 'number') described.message = `${described.message} (about ${Math.ceil(retryAfter)} s)`;
  const issues = extensions?.issues;
  if (Array.isArray(issues)) {
    described.issues = issues.map((issue: { path?: unknown; message?: unknown }) => ({
      path: Array.isArray(issue.path) ? issue.path.join('.') : String(issue.path ?? ''),
      message: String(issue.message ?? ''),
    }));
  }
  return described;
}

/** Codes that mean "you may not see or do this" rather than "something broke". */
export const isForbidden = (error: unknown) => ['FORBIDDEN', 'NOT_FOUND', 'TRANSITION_NOT_ALLOWED', 'IP_NOT_ALLOWED'].includes(errorCode(error));

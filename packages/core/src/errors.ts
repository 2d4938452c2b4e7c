import { GraphQLError } from 'graphql';

/**
 * The one catalogue of error codes. Every refusal the platform makes carries one of these in
 * `extensions.code`; clients switch on the code, never on the message. docs/errors.md is
 * generated from this table (`npm run generate`) and checked for drift in CI.
 */
export const ERROR_CODES = {
  BAD_USER_INPUT: 'The input failed validation; `extensions.issues` lists each problem by path.',
  UNAUTHENTICATED: 'No valid credentials: the access token is missing, malformed, expired or revoked.',
  INVALID_CREDENTIALS: 'Sign-in failed. The same answer is given for an unknown email and a wrong password.',
  FORBIDDEN: "The caller is signed in but their role in the organization does not allow this.",
  NOT_FOUND: 'No such object, or it belongs to an organization the caller is not a member of.',
  CONFLICT: 'The change clashes with existing data (a taken email or slug, a duplicate key).',
  INVALID_TRANSITION: 'The workflow transition does not exist from the run\'s current state.',
  TRANSITION_NOT_ALLOWED: "The caller's role may not fire this transition.",
  STALE_STATE: 'The run moved on since the caller read it (expectedState did not match).',
  RUN_FINISHED: 'The workflow run has reached a final state and accepts no more transitions.',
  LAST_OWNER: 'The change would leave the organization without an owner.',
  INVITATION_INVALID: 'The invitation is unknown, expired, already used, revoked, or for another email.',
  PAYLOAD_TOO_LARGE: "The request or an uploaded file is over the size limit (for a direct upload, the organization's `uploadSettings.maxBytes`, in `extensions.maxBytes`; or more bytes were sent to an upload URL than announced).",
  CONTENT_TYPE_NOT_ALLOWED: "The organization's upload settings do not accept this media type (`extensions.allowedContentTypes` lists what they accept); nothing was created.",
  UPLOAD_INCOMPLETE:
    'completeUpload found bytes missing: parts not yet sent (`extensions.missingParts`: send them and complete again) or fewer bytes than announced (`extensions.receivedBytes`; with `uploadRemoved`, the upload was removed: start a new one).',
  CHECKSUM_MISMATCH: 'The bytes of a direct upload do not have the sha256 announced by createUpload; no file was created and the upload was removed with its bytes: start a new one.',
  UPLOAD_EXPIRED: 'The upload passed its expiry (24 hours after createUpload) and was or will be removed with its bytes, or it was already completed (abortUpload); ask for a new one.',
  SIGNED_URL_INVALID: 'An upload or download URL whose signature does not match or whose time ran out (HTTP 403); ask the API for a fresh one.',
  INTERNAL_TOKEN_INVALID: 'A subgraph was called without a valid internal token from the gateway.',
  PLATFORM_ONLY: 'An internal route that only the platform itself may call (an internal token with no viewer, such as the search indexer asking a search source) was called on behalf of a person (HTTP 403); nothing was read.',
  SUBGRAPH_UNAVAILABLE:
    'A subgraph could not be reached (it refused the connection, answered 503 because no replica was ready or one was stopping, or a subscription source closed or did not start in time), or the job queue of a subgraph did not take the job a write needs (`extensions.reason`: `job-queue`: processing after upload in the file subgraph). That part did nothing; retry later.',
  IDEMPOTENCY_KEY_REUSED:
    'The idempotency key was already used by this caller for a different mutation or input (within 24 hours); nothing was done. A new write needs a new key.',
  DATABASE_UNAVAILABLE:
    "A service could not reach its database (it refused the connection or is starting): nothing was done. Retry later, a mutation with the same idempotency key where it takes one.",
  OUTCOME_UNKNOWN:
    "The gateway sent a part of the operation to a subgraph but lost its answer (`extensions.reason`: `timeout`, `connection-lost`, or `proxy` when a proxy in front of it answered 502 or 504), or a service lost its database connection while working (`reason`: `database-connection-lost`). That part may or may not have taken effect: retry a query as it is, and a mutation with the same idempotency key where it takes one; otherwise read the state before retrying.",
  EVENT_LOG_TRUNCATED: 'A subscription asked to resume from an event older than the event log keeps; resubscribe without a cursor after a fresh read.',
  OPERATION_TOO_COMPLEX:
    'The operation is over one of the gateway\'s limits; `extensions.limit` names which: `depth`, `aliases`, `directives`, `tokens` or `cost`. Ask for less, or split it.',
  INTROSPECTION_DISABLED: 'Introspection (`__schema`, `__type`) is off on this gateway, as in production; the schema is published as schema/api.graphql.',
  BATCH_NOT_ALLOWED: 'The request body was a JSON array (a batch of operations); the gateway takes one operation per request.',
  UNSUPPORTED_MEDIA_TYPE:
    'A POST to the gateway must have a JSON body (`Content-Type: application/json`). Form and plain-text bodies, which any web page can send cross-site, are refused unread.',
  ORIGIN_NOT_ALLOWED:
    "The request's `Origin` is not in the gateway's allow-list (`CORS_ORIGINS`): a CORS preflight from it gets 403, and so does a WebSocket upgrade from a page on it. Clients that are not browsers send no `Origin` and are not affected.",
  SSE_SINGLE_CONNECTION_UNSUPPORTED:
    "GraphQL over SSE's single-connection mode (a `PUT` reservation, or the `X-GraphQL-Event-Stream-Token` header) is not offered (405); use distinct connections, graphql-sse's default.",
  OPERATION_NOT_ALLOWED: "Safelist mode: the operation (its exact text, or the persisted-query id sent) is not in the gateway's list of known operations.",
  RATE_LIMITED: 'Too many requests from this user, API key or address. The `Retry-After` header (and `extensions.retryAfterSeconds`) says when to try again.',
  TOO_MANY_ATTEMPTS:
    'Too many failed checks for this email, from this address or of this second factor; `extensions.retryAfterSeconds` says when to try again (each further failure doubles the wait). Given alike for known and unknown emails. A known device (`deviceToken`), or the right password with a second factor, still signs in while strangers keep an email throttled.',
  REFRESH_TOKEN_INVALID: 'The refresh token is unknown or its session was ended; sign in again.',
  REFRESH_TOKEN_REUSED: 'A refresh token was presented a second time: it may have been stolen, so its whole session was ended. Sign in again.',
  SESSION_EXPIRED: 'The session passed its idle or absolute timeout; sign in again.',
  TOO_MANY_SUBSCRIPTIONS: 'The connection already holds the most subscriptions allowed; end one first (the others keep running).',
  RESUME_TOO_FAR_BEHIND:
    'A subscription asked to resume further behind the live stream than the gateway replays (`extensions.behind` events); read afresh, then subscribe without a cursor.',
  SLOW_CONSUMER: 'A subscriber fell too far behind its events (its bounded queue overflowed) and was cut off; resubscribe with its last cursor.',
  SCHEMA_RELOADED: 'The gateway loaded a new supergraph and ended every open subscription; resubscribe (with the last cursor) to continue on the new schema.',
  EMAIL_TOKEN_INVALID: 'The email verification or password reset token is unknown, expired, already used, superseded by a newer one, or for an address the account no longer has.',
  SECOND_FACTOR_REQUIRED: 'The password was right and the account has two-factor authentication: sign in again with `totpCode` or `recoveryCode`.',
  EMAIL_NOT_VERIFIED: "This needs an account whose email address is verified (requestEmailVerification): until then nobody has proved the account belongs to the address's owner.",
  STEP_UP_REQUIRED: 'This change needs a second factor verified in this session within the last `extensions.maxAgeSeconds` seconds (verifySecondFactor).',
  INTERNAL_SERVER_ERROR: 'An unexpected failure. The details are in the server log, never in the response.',
  OIDC_PROVIDER_UNKNOWN: 'No sign-in provider with this id is configured (see the `oidcProviders` query).',
  OIDC_REDIRECT_MISMATCH: "The redirect URI is not exactly the one registered for the provider (beginOidcSignIn) or the one the sign-in began with (completeOidcSignIn).",
  OIDC_STATE_INVALID: 'The sign-in state is unknown, expired (10 minutes) or already used: begin the sign-in again.',
  OIDC_EMAIL_UNVERIFIED: 'An account already uses this email and the provider does not say the email is verified, so the provider account is not linked to it (nothing changed). Sign in with the password instead, or verify the email at the provider first.',
  OIDC_EMAIL_REQUIRED: 'The provider gave no email for the account (the `email` scope is needed) and no account is linked to it yet.',
  OIDC_FAILED: 'The provider refused the sign-in, or its answer failed a check (code, PKCE verifier, issuer, audience, nonce, signature); begin the sign-in again.',
  OIDC_LAST_SIGN_IN_METHOD: 'The identity is the only way this account can sign in (no password and no other linked identity); set a password first.',
  API_KEY_INVALID: 'The API key is unknown or malformed (send it as `Authorization: ApiKey onk_...`).',
  API_KEY_REVOKED: 'The API key was revoked, or the person who created it is no longer a member of its organization; create a new one.',
  API_KEY_EXPIRED: 'The API key passed its expiry date; create a new one.',
  API_KEY_NOT_ALLOWED: 'API keys may not do this (sign-out, password, second factor, sessions, API keys): sign in as a person.',
  IP_NOT_ALLOWED: "The client address is outside the allow-list of the API key or of the organization; nothing was read or changed. `extensions.organizationId` names the organization when it is the organization's list.",
  ROLE_TOO_HIGH: 'An API key may not hold a role above its creator\'s, nor OWNER.',
  ALLOW_LIST_LOCKOUT: "The organization allow-list would exclude the caller's own current address; include it (`extensions.clientIp`) or clear the list.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ValidationIssue {
  path: string;
  message: string;
}

/** Builds the GraphQLError for a catalogued refusal. */
export function appError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export function isAppError(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && typeof error.extensions?.code === 'string' && error.extensions.code in ERROR_CODES;
}

export const notFound = (what: string) => appError('NOT_FOUND', `${what} not found`);
export const forbidden = (message = 'Your role does not allow this') => appError('FORBIDDEN', message);
export const unauthenticated = (message = 'Sign in to do this') => appError('UNAUTHENTICATED', message);

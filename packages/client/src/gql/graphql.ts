/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type AnalyticsEventInput = {
  /** Defaults to the caller. */
  actorId?: string | number | null | undefined;
  /** Client-chosen id, 1 to 128 of A-Z a-z 0-9 . _ : -; re-sending the same id is a no-op, so retries are safe. */
  id: string | number;
  /** Defaults to now; at most 5 minutes in the future. */
  occurredAt?: string | null | undefined;
  /** A JSON object of at most 8 KiB. */
  properties?: unknown;
  /** What the event is about, e.g. a workflow definition id (same characters as id). */
  subjectId?: string | null | undefined;
  /** Lower-case dotted name (1 to 100 characters), e.g. workflow.run.started. */
  type: string;
};

/** What happened, in a security event. */
export type AuditEventType =
  /**
   * Someone proved the address of an account nobody had proved (a provider vouching for it, or a
   * reset link): every credential set up before was removed (details: proof and what was removed).
   */
  | 'ACCOUNT_CLAIMED'
  /** An API key was created (details: id, name, role). */
  | 'API_KEY_CREATED'
  /** An API key was presented and refused (details: id, reason: REVOKED, EXPIRED, WRONG_SECRET or IP_NOT_ALLOWED). */
  | 'API_KEY_REFUSED'
  | 'API_KEY_REVOKED'
  | 'EMAIL_VERIFIED'
  | 'INVITATION_ACCEPTED'
  | 'INVITATION_CREATED'
  | 'INVITATION_REVOKED'
  | 'LOCKOUT'
  | 'MEMBER_REMOVED'
  /** A provider account was linked to the user. */
  | 'OIDC_LINKED'
  /** Signed in with an OpenID Connect provider. */
  | 'OIDC_SIGN_IN'
  | 'OIDC_SIGN_IN_FAILED'
  | 'OIDC_UNLINKED'
  /** The organization's IP allow-list was replaced (details: cidrs). */
  | 'ORGANIZATION_ALLOW_LIST_CHANGED'
  | 'ORGANIZATION_CREATED'
  | 'ORGANIZATION_UPDATED'
  | 'PASSWORD_CHANGED'
  | 'PASSWORD_RESET'
  | 'PASSWORD_RESET_REQUESTED'
  | 'RECOVERY_CODES_REGENERATED'
  | 'RECOVERY_CODE_USED'
  | 'REFRESH_TOKEN_REUSED'
  | 'ROLE_CHANGED'
  | 'SECOND_FACTOR_FAILED'
  | 'SECOND_FACTOR_VERIFIED'
  | 'SESSION_REVOKED'
  | 'SIGNED_OUT_EVERYWHERE'
  | 'SIGN_IN'
  | 'SIGN_IN_FAILED'
  | 'SIGN_OUT'
  | 'SIGN_UP'
  /** Someone asked to sign up with the account's address; its owner was mailed (the answer did not tell them the account exists). */
  | 'SIGN_UP_REQUESTED'
  | 'TOTP_DISABLED'
  | 'TOTP_ENABLED';

export type AuditLogFilter = {
  actorId?: string | number | null | undefined;
  /** Events at or after this instant. */
  from?: string | null | undefined;
  /** Events before this instant. */
  to?: string | null | undefined;
  type?: AuditEventType | null | undefined;
};

export type ChangeMemberRoleInput = {
  organizationId: string | number;
  role: Role;
  userId: string | number;
};

export type ChangePasswordInput = {
  currentPassword: string;
  /** At least 10 characters. */
  newPassword: string;
};

export type CompleteOidcSignInInput = {
  /** The `binding` the beginning returned to this client. OIDC_STATE_INVALID when it is not that one. */
  binding: string;
  /** The `code` parameter of the callback. */
  code: string;
  /** The `iss` parameter of the callback, when the provider sent one (RFC 9207). */
  iss?: string | null | undefined;
  /** ...or one unused recovery code. */
  recoveryCode?: string | null | undefined;
  /** Exactly the redirect URI the sign-in began with (the callback URL without its query). */
  redirectUri: string;
  /** The `state` parameter of the callback. */
  state: string;
  /** For accounts with two-factor authentication: the 6-digit code from the authenticator app... */
  totpCode?: string | null | undefined;
};

export type CompleteUploadInput = {
  /** Makes a retry safe; completing a completed upload also answers with its file. */
  idempotencyKey?: string | null | undefined;
  /** Every part with its ETag: needed for a multipart upload to S3 (local disk lists the parts itself). */
  parts?: Array<CompletedPartInput> | null | undefined;
  uploadId: string | number;
};

export type CompletedPartInput = {
  /** The ETag header the part's PUT answered with. */
  etag: string;
  partNumber: number;
};

export type CreateApiKeyInput = {
  /** Optional; must be in the future. */
  expiresAt?: string | null | undefined;
  /**
   * Makes a retry safe: the same key with the same input (within 24 hours) creates no second API
   * key. The first answer, with the only copy of the secret, was lost, so the retry answers with
   * the same key and a new secret (the lost one stops working); CONFLICT if that key was revoked
   * since. Another input with the same key is IDEMPOTENCY_KEY_REUSED.
   */
  idempotencyKey?: string | null | undefined;
  /** Optional CIDRs (IPv4 or IPv6) the key may be used from; at most 100. */
  ipAllowList?: Array<string> | null | undefined;
  /** 1 to 100 characters. */
  name: string;
  organizationId: string | number;
  /** ADMIN, MEMBER or VIEWER, and not above the creator's own role (ROLE_TOO_HIGH). */
  role?: Role;
};

export type CreateOrganizationInput = {
  /**
   * Makes a retry safe: the same key with the same input (within 24 hours) creates nothing more and
   * answers with what the first attempt created; with another input it is IDEMPOTENCY_KEY_REUSED.
   * 8 to 200 printable ASCII characters; a fresh UUID per intended write is the usual choice.
   */
  idempotencyKey?: string | null | undefined;
  name: string;
  /** Lower-case letters, digits and single hyphens, 3 to 48 characters; unique. */
  slug: string;
};

export type CreateUploadInput = {
  /** A media type; CONTENT_TYPE_NOT_ALLOWED outside the organization's allowedContentTypes. */
  contentType: string;
  /** Makes a retry safe: the same key and input (within 24 hours) answer with the same upload. */
  idempotencyKey?: string | null | undefined;
  /** Upload in parts (resumable). By default, files over 64 MiB do. */
  multipart?: boolean | null | undefined;
  /** 1 to 255 characters, no slashes or control characters. */
  name: string;
  organizationId: string | number;
  /** Hex sha256 of the bytes: checked on completion (CHECKSUM_MISMATCH). */
  sha256: string;
  /** Bytes; PAYLOAD_TOO_LARGE over the organization's maxBytes. */
  size: number;
  /** A run of the same organization that the caller can see; NOT_FOUND for any other id. */
  workflowRunId?: string | number | null | undefined;
};

export type CreateVersionUploadInput = {
  /** A media type; the file's current one when left out. CONTENT_TYPE_NOT_ALLOWED outside the organization's allowedContentTypes. */
  contentType?: string | null | undefined;
  /** The file the upload adds a version to: a file of the caller's organizations (NOT_FOUND for any other id). */
  fileId: string | number;
  /** Makes a retry safe: the same key and input (within 24 hours) answer with the same upload. */
  idempotencyKey?: string | null | undefined;
  /** Upload in parts (resumable). By default, files over 64 MiB do. */
  multipart?: boolean | null | undefined;
  /** Hex sha256 of the bytes: checked on completion (CHECKSUM_MISMATCH). */
  sha256: string;
  /** Bytes; PAYLOAD_TOO_LARGE over the organization's maxBytes. */
  size: number;
};

/**
 * The graph must be runnable: unique state names, an initial state that exists and is not final, at
 * least one final state, transitions between existing states and none out of a final state, a way
 * out of every non-final state; at most 50 states and 200 transitions.
 */
export type CreateWorkflowDefinitionInput = {
  description?: string | null | undefined;
  /**
   * Makes a retry safe: the same key with the same input (within 24 hours) creates nothing more and
   * answers with what the first attempt created; with another input it is IDEMPOTENCY_KEY_REUSED.
   * 8 to 200 printable ASCII characters; a fresh UUID per intended write is the usual choice.
   */
  idempotencyKey?: string | null | undefined;
  initialState: string;
  /** Lower-case letters, digits and single hyphens, 2 to 64 characters; unique in the organization. */
  key: string;
  name: string;
  organizationId: string | number;
  states: Array<WorkflowStateInput>;
  transitions: Array<WorkflowTransitionInput>;
};

/** Where processing after upload is for one file (docs/protocols/uploads.md, Processing). */
export type FileProcessingState =
  /** Done: the findings below are those of `version`. */
  | 'DONE'
  /** Every try failed; the job is in the dead-letter queue. */
  | 'FAILED'
  /** Waiting for a worker. */
  | 'QUEUED'
  /** A try failed (see lastError); the next one waits for its backoff. */
  | 'RETRYING'
  /** A worker is on it. */
  | 'RUNNING';

export type HumanTaskStatus =
  /** Its run was cancelled. */
  | 'CANCELLED'
  /** Its run left the task's state. */
  | 'DONE'
  | 'OPEN';

export type IngestEventsInput = {
  /** 1 to 1000 events. The whole batch is validated first: one bad event refuses the batch. */
  events: Array<AnalyticsEventInput>;
  organizationId: string | number;
};

export type InvitationStatus =
  | 'ACCEPTED'
  | 'EXPIRED'
  | 'PENDING'
  | 'REVOKED';

export type InviteMemberInput = {
  email: string;
  organizationId: string | number;
  role?: Role;
};

export type OrganizationWorkflowRunFilter = {
  definitionId?: string | number | null | undefined;
  startedById?: string | number | null | undefined;
  state?: string | null | undefined;
  status?: WorkflowRunStatus | null | undefined;
};

export type RemoveMemberInput = {
  organizationId: string | number;
  userId: string | number;
};

/** A member's role in an organization, from most to least powerful. */
export type Role =
  | 'ADMIN'
  | 'MEMBER'
  | 'OWNER'
  | 'VIEWER';

export type SearchField =
  /** The rest of its text (a description, data values, a file's text): a fragment around the matches. */
  | 'BODY'
  /** The entity's name (a user's name, a definition's or file's name, a run's or task's title): the whole of it. */
  | 'TITLE';

/** The kinds of entity search finds (the SearchResult members). */
export type SearchType =
  | 'FILE'
  | 'HUMAN_TASK'
  | 'USER'
  | 'WORKFLOW_DEFINITION'
  | 'WORKFLOW_RUN';

export type SecondFactorInput = {
  /** ...or one unused recovery code. */
  recoveryCode?: string | null | undefined;
  /** Either the 6-digit TOTP code... */
  totpCode?: string | null | undefined;
};

export type SetOrganizationIpAllowListInput = {
  /** CIDRs such as 203.0.113.0/24 or 2001:db8::/32 (a bare address is one host); at most 100. Empty clears the list. */
  cidrs: Array<string>;
  organizationId: string | number;
};

export type SignInInput = {
  /** The `deviceToken` an earlier sign-in on this device returned (unknown or expired ones count as none). */
  deviceToken?: string | null | undefined;
  email: string;
  password: string;
  /** ...or one unused recovery code. */
  recoveryCode?: string | null | undefined;
  /** For accounts with two-factor authentication: the 6-digit code from the authenticator app... */
  totpCode?: string | null | undefined;
};

export type SignUpInput = {
  email: string;
  name: string;
  /** At least 10 characters. */
  password: string;
};

export type StartWorkflowRunInput = {
  /** A JSON object of at most 64 KB. */
  data?: unknown;
  definitionId: string | number;
  /**
   * Makes a retry safe: the same key with the same input (within 24 hours) creates nothing more and
   * answers with what the first attempt created; with another input it is IDEMPOTENCY_KEY_REUSED.
   * 8 to 200 printable ASCII characters; a fresh UUID per intended write is the usual choice.
   */
  idempotencyKey?: string | null | undefined;
};

export type TransitionWorkflowRunInput = {
  /** At most 2000 characters; kept in the history. */
  comment?: string | null | undefined;
  /** Refuse with STALE_STATE unless the run is still in this state (guards against acting on a stale view). */
  expectedState?: string | null | undefined;
  runId: string | number;
  /** Name of a transition leaving the run's current state. */
  transition: string;
};

export type WorkflowRunStatus =
  | 'ACTIVE'
  /** Stopped by an admin or its starter before reaching a final state. */
  | 'CANCELLED'
  /** Reached a final state. */
  | 'COMPLETED';

export type WorkflowStateInput = {
  final?: boolean | null | undefined;
  /** Letters, digits and underscores, starting with a letter; at most 64 characters; unique. */
  name: string;
  /** Not allowed on a final state. */
  task?: WorkflowTaskSpecInput | null | undefined;
};

export type WorkflowTaskSpecInput = {
  assignToStarter?: boolean | null | undefined;
  assigneeRole?: Role | null | undefined;
  /** At most 200 characters. */
  title: string;
};

export type WorkflowTransitionInput = {
  allowedRoles: Array<Role>;
  from: string;
  /** Same rules as state names; unique among the transitions leaving one state. */
  name: string;
  to: string;
};

export type AccountQueryVariables = Exact<{ [key: string]: never; }>;


export type AccountQuery = { __typename: 'Query', viewer: { __typename: 'User', id: string, name: string, email: string | null, twoFactorEnabled: boolean | null, sessions: { __typename: 'SessionConnection', nodes: Array<{ __typename: 'Session', id: string, createdAt: string, lastSeenAt: string, ipAddress: string | null, userAgent: string | null, current: boolean, revokedAt: string | null }> }, linkedIdentities: Array<{ __typename: 'LinkedIdentity', id: string, provider: string, email: string | null, createdAt: string, lastSignInAt: string }> } | null };

export type RevokeSessionMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeSessionMutation = { __typename: 'Mutation', revokeSession: { __typename: 'Session', id: string, revokedAt: string | null } };

export type EnrollTotpMutationVariables = Exact<{ [key: string]: never; }>;


export type EnrollTotpMutation = { __typename: 'Mutation', enrollTotp: { __typename: 'TotpEnrollment', secret: string, otpauthUri: string } };

export type ConfirmTotpMutationVariables = Exact<{
  code: string;
}>;


export type ConfirmTotpMutation = { __typename: 'Mutation', confirmTotp: { __typename: 'TwoFactorActivation', recoveryCodes: Array<string> } };

export type DisableTotpMutationVariables = Exact<{ [key: string]: never; }>;


export type DisableTotpMutation = { __typename: 'Mutation', disableTotp: boolean };

export type RegenerateRecoveryCodesMutationVariables = Exact<{ [key: string]: never; }>;


export type RegenerateRecoveryCodesMutation = { __typename: 'Mutation', regenerateRecoveryCodes: Array<string> };

export type ChangePasswordMutationVariables = Exact<{
  input: ChangePasswordInput;
}>;


export type ChangePasswordMutation = { __typename: 'Mutation', changePassword: boolean };

export type BeginOidcLinkMutationVariables = Exact<{
  provider: string | number;
  redirectUri: string;
}>;


export type BeginOidcLinkMutation = { __typename: 'Mutation', beginOidcLink: { __typename: 'OidcAuthorization', authorizationUrl: string, binding: string } };

export type CompleteOidcLinkMutationVariables = Exact<{
  input: CompleteOidcSignInInput;
}>;


export type CompleteOidcLinkMutation = { __typename: 'Mutation', completeOidcLink: { __typename: 'LinkedIdentity', id: string, provider: string, email: string | null } };

export type UnlinkOidcIdentityMutationVariables = Exact<{
  id: string | number;
}>;


export type UnlinkOidcIdentityMutation = { __typename: 'Mutation', unlinkOidcIdentity: boolean };

export type OidcProvidersQueryVariables = Exact<{ [key: string]: never; }>;


export type OidcProvidersQuery = { __typename: 'Query', oidcProviders: Array<{ __typename: 'OidcProvider', id: string, name: string }> };

export type BeginOidcSignInMutationVariables = Exact<{
  provider: string | number;
  redirectUri: string;
}>;


export type BeginOidcSignInMutation = { __typename: 'Mutation', beginOidcSignIn: { __typename: 'OidcAuthorization', authorizationUrl: string, binding: string } };

export type CompleteOidcSignInMutationVariables = Exact<{
  input: CompleteOidcSignInInput;
}>;


export type CompleteOidcSignInMutation = { __typename: 'Mutation', completeOidcSignIn: { __typename: 'AuthPayload', accessToken: string, expiresAt: string, refreshToken: string, deviceToken: string | null, user: { __typename: 'User', id: string, name: string, email: string | null } } };

export type VerifySecondFactorMutationVariables = Exact<{
  input: SecondFactorInput;
}>;


export type VerifySecondFactorMutation = { __typename: 'Mutation', verifySecondFactor: { __typename: 'SecondFactorPayload', expiresAt: string } };

export type MembersQueryVariables = Exact<{
  organizationId: string | number;
  after?: string | null | undefined;
  search?: string | null | undefined;
}>;


export type MembersQuery = { __typename: 'Query', organization: { __typename: 'Organization', id: string, viewerRole: Role, members: { __typename: 'MembershipConnection', totalCount: number, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ __typename: 'Membership', id: string, role: Role, joinedAt: string, user: { __typename: 'User', id: string, name: string, email: string | null } | null }> } } | null };

export type MembershipChangedSubscriptionVariables = Exact<{
  organizationId: string | number;
  after?: string | null | undefined;
}>;


export type MembershipChangedSubscription = { membershipChanged: { __typename: 'MembershipEvent', cursor: string, type: string, userId: string, role: Role | null, member: { __typename: 'Membership', id: string, role: Role, joinedAt: string, user: { __typename: 'User', id: string, name: string, email: string | null } | null } | null } };

export type ChangeMemberRoleMutationVariables = Exact<{
  input: ChangeMemberRoleInput;
}>;


export type ChangeMemberRoleMutation = { __typename: 'Mutation', changeMemberRole: { __typename: 'Membership', id: string, role: Role } };

export type RemoveMemberMutationVariables = Exact<{
  input: RemoveMemberInput;
}>;


export type RemoveMemberMutation = { __typename: 'Mutation', removeMember: { __typename: 'RemoveMemberPayload', removedUserId: string } };

export type InvitationsQueryVariables = Exact<{
  organizationId: string | number;
  status?: InvitationStatus | null | undefined;
}>;


export type InvitationsQuery = { __typename: 'Query', organization: { __typename: 'Organization', id: string, invitations: { __typename: 'InvitationConnection', totalCount: number, nodes: Array<{ __typename: 'Invitation', id: string, email: string, role: Role, status: InvitationStatus, createdAt: string, expiresAt: string, invitedBy: { __typename: 'User', id: string, name: string } | null }> } } | null };

export type InviteMemberMutationVariables = Exact<{
  input: InviteMemberInput;
}>;


export type InviteMemberMutation = { __typename: 'Mutation', inviteMember: { __typename: 'InvitePayload', token: string, invitation: { __typename: 'Invitation', id: string, email: string, role: Role, status: InvitationStatus } } };

export type RevokeInvitationMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeInvitationMutation = { __typename: 'Mutation', revokeInvitation: { __typename: 'Invitation', id: string, status: InvitationStatus } };

export type AcceptInvitationMutationVariables = Exact<{
  token: string;
}>;


export type AcceptInvitationMutation = { __typename: 'Mutation', acceptInvitation: { __typename: 'Membership', id: string, role: Role, organization: { __typename: 'Organization', id: string, name: string, slug: string, viewerRole: Role } } };

export type ApiKeysQueryVariables = Exact<{
  organizationId: string | number;
}>;


export type ApiKeysQuery = { __typename: 'Query', organization: { __typename: 'Organization', id: string, apiKeys: { __typename: 'ApiKeyConnection', totalCount: number, nodes: Array<{ __typename: 'ApiKey', id: string, name: string, role: Role, prefix: string, ipAllowList: Array<string>, createdAt: string, expiresAt: string | null, lastUsedAt: string | null, revokedAt: string | null, createdBy: { __typename: 'User', id: string, name: string } | null }> } } | null };

export type CreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type CreateApiKeyMutation = { __typename: 'Mutation', createApiKey: { __typename: 'CreateApiKeyPayload', secret: string, apiKey: { __typename: 'ApiKey', id: string, name: string, role: Role, prefix: string } } };

export type RevokeApiKeyMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeApiKeyMutation = { __typename: 'Mutation', revokeApiKey: { __typename: 'ApiKey', id: string, revokedAt: string | null } };

export type IpAllowListQueryVariables = Exact<{
  organizationId: string | number;
}>;


export type IpAllowListQuery = { __typename: 'Query', organization: { __typename: 'Organization', id: string, ipAllowList: Array<string> } | null };

export type SetIpAllowListMutationVariables = Exact<{
  input: SetOrganizationIpAllowListInput;
}>;


export type SetIpAllowListMutation = { __typename: 'Mutation', setOrganizationIpAllowList: { __typename: 'Organization', id: string, ipAllowList: Array<string> } };

export type AuditLogQueryVariables = Exact<{
  organizationId: string | number;
  first: number;
  after?: string | null | undefined;
  filter?: AuditLogFilter | null | undefined;
}>;


export type AuditLogQuery = { __typename: 'Query', organization: { __typename: 'Organization', id: string, auditLog: { __typename: 'AuditEventConnection', totalCount: number, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ __typename: 'AuditEvent', id: string, type: AuditEventType, occurredAt: string, ipAddress: string | null, userId: string | null, details: unknown, actor: { __typename: 'User', id: string, name: string } | null }> } } | null };

export type DashboardQueryVariables = Exact<{
  organizationId: string | number;
  from: string;
}>;


export type DashboardQuery = { __typename: 'Query', organization: { __typename: 'Organization', id: string, activity: { __typename: 'OrganizationActivity', activeUsers: number, eventCount: number, totals: Array<{ __typename: 'ActivityTypeCount', type: string, count: number }> } } | null };

export type DashboardCountersFragment = { __typename: 'OrganizationActivity', activeUsers: number, eventCount: number, totals: Array<{ __typename: 'ActivityTypeCount', type: string, count: number }> };

export type LiveMetricsSubscriptionVariables = Exact<{
  organizationId: string | number;
  windowSeconds: number;
  after?: string | null | undefined;
}>;


export type LiveMetricsSubscription = { liveMetrics: { __typename: 'LiveMetrics', cursor: string, at: string, total: number, counts: Array<{ __typename: 'ActivityTypeCount', type: string, count: number }> } };

export type IngestEventsMutationVariables = Exact<{
  input: IngestEventsInput;
}>;


export type IngestEventsMutation = { __typename: 'Mutation', ingestEvents: { __typename: 'IngestEventsPayload', accepted: number } };

export type DashboardSeriesQueryVariables = Exact<{
  organizationId: string | number;
  from: string;
}>;


export type DashboardSeriesQuery = { __typename: 'Query', organization: { __typename: 'Organization', id: string, activity: { __typename: 'OrganizationActivity', series: Array<{ __typename: 'ActivityPoint', bucketStart: string, type: string, count: number }> } } | null };

export type AuthFieldsFragment = { __typename: 'AuthPayload', accessToken: string, expiresAt: string, refreshToken: string, deviceToken: string | null, user: { __typename: 'User', id: string, name: string, email: string | null } };

export type SignInMutationVariables = Exact<{
  input: SignInInput;
}>;


export type SignInMutation = { __typename: 'Mutation', signIn: { __typename: 'AuthPayload', accessToken: string, expiresAt: string, refreshToken: string, deviceToken: string | null, user: { __typename: 'User', id: string, name: string, email: string | null } } };

export type RefreshSessionMutationVariables = Exact<{
  refreshToken: string;
}>;


export type RefreshSessionMutation = { __typename: 'Mutation', refreshSession: { __typename: 'AuthPayload', accessToken: string, expiresAt: string, refreshToken: string, deviceToken: string | null, user: { __typename: 'User', id: string, name: string, email: string | null } } };

export type SignOutMutationVariables = Exact<{ [key: string]: never; }>;


export type SignOutMutation = { __typename: 'Mutation', signOut: boolean };

export type SignOutEverywhereMutationVariables = Exact<{ [key: string]: never; }>;


export type SignOutEverywhereMutation = { __typename: 'Mutation', signOutEverywhere: number };

export type SignUpMutationVariables = Exact<{
  input: SignUpInput;
}>;


export type SignUpMutation = { __typename: 'Mutation', signUp: { __typename: 'AuthPayload', accessToken: string, expiresAt: string, refreshToken: string, deviceToken: string | null, user: { __typename: 'User', id: string, name: string, email: string | null } } | null };

export type RunFilesQueryVariables = Exact<{
  id: string | number;
}>;


export type RunFilesQuery = { __typename: 'Query', workflowRun: { __typename: 'WorkflowRun', id: string, files: { __typename: 'FileConnection', totalCount: number, nodes: Array<{ __typename: 'File', id: string, name: string, contentType: string, size: number, createdAt: string, owner: { __typename: 'User', id: string, name: string } | null }> } } | null };

export type FileSummaryFragment = { __typename: 'File', id: string, name: string, contentType: string, size: number, createdAt: string, owner: { __typename: 'User', id: string, name: string } | null };

export type FileContentQueryVariables = Exact<{
  id: string | number;
}>;


export type FileContentQuery = { __typename: 'Query', file: { __typename: 'File', id: string, name: string, contentType: string, contentBase64: string } | null };

export type FilesQueryVariables = Exact<{
  organizationId: string | number;
}>;


export type FilesQuery = { __typename: 'Query', organization: { __typename: 'Organization', id: string, files: { __typename: 'FileConnection', totalCount: number, nodes: Array<{ __typename: 'File', currentVersion: number, id: string, name: string, contentType: string, size: number, createdAt: string, processing: { __typename: 'FileProcessing', state: FileProcessingState, thumbnailUrl: string | null } | null, owner: { __typename: 'User', id: string, name: string } | null }> } } | null };

export type CreateUploadMutationVariables = Exact<{
  input: CreateUploadInput;
}>;


export type CreateUploadMutation = { __typename: 'Mutation', createUpload: { __typename: 'Upload', id: string, size: number, partSize: number | null, partCount: number, expiresAt: string, target: { __typename: 'SignedRequest', url: string, method: string, headers: Array<{ __typename: 'HttpHeader', name: string, value: string }> } | null } };

export type CreateVersionUploadMutationVariables = Exact<{
  input: CreateVersionUploadInput;
}>;


export type CreateVersionUploadMutation = { __typename: 'Mutation', createVersionUpload: { __typename: 'Upload', id: string, size: number, partSize: number | null, partCount: number, expiresAt: string, target: { __typename: 'SignedRequest', url: string, method: string, headers: Array<{ __typename: 'HttpHeader', name: string, value: string }> } | null } };

export type UploadPartTargetsQueryVariables = Exact<{
  id: string | number;
  partNumbers: Array<number> | number;
}>;


export type UploadPartTargetsQuery = { __typename: 'Query', upload: { __typename: 'Upload', id: string, receivedParts: Array<{ __typename: 'UploadedPart', partNumber: number, size: number, etag: string }>, partTargets: Array<{ __typename: 'UploadPartTarget', partNumber: number, request: { __typename: 'SignedRequest', url: string, method: string, headers: Array<{ __typename: 'HttpHeader', name: string, value: string }> } }> } | null };

export type CompleteUploadMutationVariables = Exact<{
  input: CompleteUploadInput;
}>;


export type CompleteUploadMutation = { __typename: 'Mutation', completeUpload: { __typename: 'File', id: string, name: string, size: number, contentType: string, currentVersion: number, processing: { __typename: 'FileProcessing', state: FileProcessingState } | null } };

export type AbortUploadMutationVariables = Exact<{
  id: string | number;
}>;


export type AbortUploadMutation = { __typename: 'Mutation', abortUpload: { __typename: 'AbortUploadPayload', abortedUploadId: string } };

export type DeletedFilesQueryVariables = Exact<{
  organizationId: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type DeletedFilesQuery = { __typename: 'Query', organization: { __typename: 'Organization', id: string, deletedFiles: { __typename: 'FileConnection', totalCount: number, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ __typename: 'File', id: string, name: string, contentType: string, size: number, deletedAt: string | null, purgeAt: string | null, deletedBy: { __typename: 'User', id: string, name: string } | null }> } } | null };

export type RestoreFileMutationVariables = Exact<{
  id: string | number;
  idempotencyKey?: string | null | undefined;
}>;


export type RestoreFileMutation = { __typename: 'Mutation', restoreFile: { __typename: 'File', currentVersion: number, id: string, name: string, contentType: string, size: number, createdAt: string, owner: { __typename: 'User', id: string, name: string } | null } };

export type DeleteFileMutationVariables = Exact<{
  id: string | number;
  idempotencyKey?: string | null | undefined;
}>;


export type DeleteFileMutation = { __typename: 'Mutation', deleteFile: { __typename: 'DeleteFilePayload', deletedFileId: string } };

export type ViewerSummaryFragment = { __typename: 'User', id: string, name: string, email: string | null };

export type OrganizationSummaryFragment = { __typename: 'Organization', id: string, name: string, slug: string, viewerRole: Role };

export type MyOrganizationsQueryVariables = Exact<{ [key: string]: never; }>;


export type MyOrganizationsQuery = { __typename: 'Query', viewer: { __typename: 'User', id: string, name: string, email: string | null } | null, organizations: { __typename: 'OrganizationConnection', nodes: Array<{ __typename: 'Organization', id: string, name: string, slug: string, viewerRole: Role }> } };

export type CreateOrganizationMutationVariables = Exact<{
  input: CreateOrganizationInput;
}>;


export type CreateOrganizationMutation = { __typename: 'Mutation', createOrganization: { __typename: 'Organization', id: string, name: string, slug: string, viewerRole: Role } };

export type FirstScreenQueryVariables = Exact<{
  organizationId: string | number;
  remembered: boolean;
  from: string;
}>;


export type FirstScreenQuery = { __typename: 'Query', viewer: { __typename: 'User', id: string, name: string, email: string | null } | null, organizations: { __typename: 'OrganizationConnection', nodes: Array<{ __typename: 'Organization', id: string, name: string, slug: string, viewerRole: Role }> }, organization?: { __typename: 'Organization', id: string, activity: { __typename: 'OrganizationActivity', activeUsers: number, eventCount: number, totals: Array<{ __typename: 'ActivityTypeCount', type: string, count: number }> } } | null, firstOrganization?: { __typename: 'OrganizationConnection', nodes: Array<{ __typename: 'Organization', id: string, activity: { __typename: 'OrganizationActivity', activeUsers: number, eventCount: number, totals: Array<{ __typename: 'ActivityTypeCount', type: string, count: number }> } }> } };

export type OrganizationRunsQueryVariables = Exact<{
  organizationId: string | number;
  first: number;
  after?: string | null | undefined;
  filter?: OrganizationWorkflowRunFilter | null | undefined;
}>;


export type OrganizationRunsQuery = { __typename: 'Query', organization: { __typename: 'Organization', id: string, workflows: { __typename: 'WorkflowDefinitionConnection', nodes: Array<{ __typename: 'WorkflowDefinition', id: string, name: string }> }, workflowRuns: { __typename: 'WorkflowRunConnection', totalCount: number, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ __typename: 'WorkflowRun', id: string, state: string, status: WorkflowRunStatus, createdAt: string, updatedAt: string, definition: { __typename: 'WorkflowDefinition', id: string, name: string }, startedBy: { __typename: 'User', id: string, name: string } | null }> } } | null };

export type SearchQueryVariables = Exact<{
  organizationId: string | number;
  query: string;
  types?: Array<SearchType> | SearchType | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type SearchQuery = { __typename: 'Query', search: { __typename: 'SearchConnection', totalCount: number, facets: Array<{ __typename: 'SearchFacet', type: SearchType, count: number }>, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, edges: Array<{ __typename: 'SearchEdge', cursor: string, highlights: Array<{ __typename: 'SearchHighlight', field: SearchField, text: string, matches: Array<{ __typename: 'SearchMatch', start: number, length: number }> }>, node:
        | { __typename: 'File', id: string, name: string }
        | { __typename: 'HumanTask', id: string, title: string, run: { __typename: 'WorkflowRun', id: string } }
        | { __typename: 'User', id: string, name: string }
        | { __typename: 'WorkflowDefinition', id: string, name: string }
        | { __typename: 'WorkflowRun', id: string, state: string, definition: { __typename: 'WorkflowDefinition', id: string, name: string } }
       }> } };

export type TaskFieldsFragment = { __typename: 'HumanTask', id: string, title: string, state: string, status: HumanTaskStatus, viewerIsAssignee: boolean, assigneeRole: Role | null, createdAt: string, assignee: { __typename: 'User', id: string, name: string } | null, organization: { __typename: 'Organization', id: string }, run: { __typename: 'WorkflowRun', id: string, state: string, status: WorkflowRunStatus, definition: { __typename: 'WorkflowDefinition', id: string, name: string }, availableTransitions: Array<{ __typename: 'WorkflowTransition', name: string, from: string, to: string }> } };

export type MyTasksQueryVariables = Exact<{
  organizationId: string | number;
}>;


export type MyTasksQuery = { __typename: 'Query', myTasks: { __typename: 'HumanTaskConnection', totalCount: number, nodes: Array<{ __typename: 'HumanTask', id: string, title: string, state: string, status: HumanTaskStatus, viewerIsAssignee: boolean, assigneeRole: Role | null, createdAt: string, assignee: { __typename: 'User', id: string, name: string } | null, organization: { __typename: 'Organization', id: string }, run: { __typename: 'WorkflowRun', id: string, state: string, status: WorkflowRunStatus, definition: { __typename: 'WorkflowDefinition', id: string, name: string }, availableTransitions: Array<{ __typename: 'WorkflowTransition', name: string, from: string, to: string }> } }> } };

export type MyTasksChangedSubscriptionVariables = Exact<{
  organizationId: string | number;
  after?: string | null | undefined;
}>;


export type MyTasksChangedSubscription = { myTasksChanged: { __typename: 'HumanTaskEvent', cursor: string, type: string, at: string, task: { __typename: 'HumanTask', id: string, title: string, state: string, status: HumanTaskStatus, viewerIsAssignee: boolean, assigneeRole: Role | null, createdAt: string, assignee: { __typename: 'User', id: string, name: string } | null, organization: { __typename: 'Organization', id: string }, run: { __typename: 'WorkflowRun', id: string, state: string, status: WorkflowRunStatus, definition: { __typename: 'WorkflowDefinition', id: string, name: string }, availableTransitions: Array<{ __typename: 'WorkflowTransition', name: string, from: string, to: string }> } } } };

export type HumanTaskQueryVariables = Exact<{
  id: string | number;
}>;


export type HumanTaskQuery = { __typename: 'Query', humanTask: { __typename: 'HumanTask', completedAt: string | null, id: string, title: string, state: string, status: HumanTaskStatus, viewerIsAssignee: boolean, assigneeRole: Role | null, createdAt: string, completedBy: { __typename: 'User', id: string, name: string } | null, assignee: { __typename: 'User', id: string, name: string } | null, organization: { __typename: 'Organization', id: string }, run: { __typename: 'WorkflowRun', id: string, state: string, status: WorkflowRunStatus, definition: { __typename: 'WorkflowDefinition', id: string, name: string }, availableTransitions: Array<{ __typename: 'WorkflowTransition', name: string, from: string, to: string }> } } | null };

export type WorkflowDefinitionsQueryVariables = Exact<{
  organizationId: string | number;
}>;


export type WorkflowDefinitionsQuery = { __typename: 'Query', organization: { __typename: 'Organization', id: string, workflows: { __typename: 'WorkflowDefinitionConnection', totalCount: number, nodes: Array<{ __typename: 'WorkflowDefinition', id: string, key: string, name: string, description: string | null, version: number, stats: { __typename: 'WorkflowDefinitionStats', runsStarted: number, runsCompleted: number } }> } } | null };

export type CreateWorkflowDefinitionMutationVariables = Exact<{
  input: CreateWorkflowDefinitionInput;
}>;


export type CreateWorkflowDefinitionMutation = { __typename: 'Mutation', createWorkflowDefinition: { __typename: 'WorkflowDefinition', id: string, key: string, name: string } };

export type WorkflowDefinitionQueryVariables = Exact<{
  id: string | number;
}>;


export type WorkflowDefinitionQuery = { __typename: 'Query', workflowDefinition: { __typename: 'WorkflowDefinition', id: string, key: string, name: string, description: string | null, version: number, latestVersion: { __typename: 'WorkflowDefinitionVersion', version: number, initialState: string, states: Array<{ __typename: 'WorkflowState', name: string, final: boolean }>, transitions: Array<{ __typename: 'WorkflowTransition', name: string, from: string, to: string, allowedRoles: Array<Role> }> }, runs: { __typename: 'WorkflowRunConnection', totalCount: number, nodes: Array<{ __typename: 'WorkflowRun', id: string, state: string, status: WorkflowRunStatus, createdAt: string, startedBy: { __typename: 'User', id: string, name: string } | null }> } } | null };

export type StartWorkflowRunMutationVariables = Exact<{
  input: StartWorkflowRunInput;
}>;


export type StartWorkflowRunMutation = { __typename: 'Mutation', startWorkflowRun: { __typename: 'WorkflowRun', id: string, state: string } };

export type RunDetailFieldsFragment = { __typename: 'WorkflowRun', id: string, state: string, status: WorkflowRunStatus, createdAt: string, updatedAt: string, finishedAt: string | null, organization: { __typename: 'Organization', id: string }, definition: { __typename: 'WorkflowDefinition', id: string, name: string }, startedBy: { __typename: 'User', id: string, name: string } | null, availableTransitions: Array<{ __typename: 'WorkflowTransition', name: string, from: string, to: string }>, history: { __typename: 'WorkflowRunHistoryConnection', nodes: Array<{ __typename: 'WorkflowRunHistoryEntry', id: string, sequence: number, transition: string, from: string, to: string, comment: string | null, at: string, actor: { __typename: 'User', id: string, name: string } | null }> } };

export type WorkflowRunQueryVariables = Exact<{
  id: string | number;
}>;


export type WorkflowRunQuery = { __typename: 'Query', workflowRun: { __typename: 'WorkflowRun', id: string, state: string, status: WorkflowRunStatus, createdAt: string, updatedAt: string, finishedAt: string | null, organization: { __typename: 'Organization', id: string }, definition: { __typename: 'WorkflowDefinition', id: string, name: string }, startedBy: { __typename: 'User', id: string, name: string } | null, availableTransitions: Array<{ __typename: 'WorkflowTransition', name: string, from: string, to: string }>, history: { __typename: 'WorkflowRunHistoryConnection', nodes: Array<{ __typename: 'WorkflowRunHistoryEntry', id: string, sequence: number, transition: string, from: string, to: string, comment: string | null, at: string, actor: { __typename: 'User', id: string, name: string } | null }> } } | null };

export type WorkflowRunUpdatedSubscriptionVariables = Exact<{
  runId: string | number;
  after?: string | null | undefined;
}>;


export type WorkflowRunUpdatedSubscription = { workflowRunUpdated: { __typename: 'WorkflowRunEvent', cursor: string, type: string, at: string, run: { __typename: 'WorkflowRun', id: string, state: string, status: WorkflowRunStatus, createdAt: string, updatedAt: string, finishedAt: string | null, organization: { __typename: 'Organization', id: string }, definition: { __typename: 'WorkflowDefinition', id: string, name: string }, startedBy: { __typename: 'User', id: string, name: string } | null, availableTransitions: Array<{ __typename: 'WorkflowTransition', name: string, from: string, to: string }>, history: { __typename: 'WorkflowRunHistoryConnection', nodes: Array<{ __typename: 'WorkflowRunHistoryEntry', id: string, sequence: number, transition: string, from: string, to: string, comment: string | null, at: string, actor: { __typename: 'User', id: string, name: string } | null }> } } } };

export type TransitionWorkflowRunMutationVariables = Exact<{
  input: TransitionWorkflowRunInput;
}>;


export type TransitionWorkflowRunMutation = { __typename: 'Mutation', transitionWorkflowRun: { __typename: 'WorkflowRun', id: string, state: string, status: WorkflowRunStatus, createdAt: string, updatedAt: string, finishedAt: string | null, organization: { __typename: 'Organization', id: string }, definition: { __typename: 'WorkflowDefinition', id: string, name: string }, startedBy: { __typename: 'User', id: string, name: string } | null, availableTransitions: Array<{ __typename: 'WorkflowTransition', name: string, from: string, to: string }>, history: { __typename: 'WorkflowRunHistoryConnection', nodes: Array<{ __typename: 'WorkflowRunHistoryEntry', id: string, sequence: number, transition: string, from: string, to: string, comment: string | null, at: string, actor: { __typename: 'User', id: string, name: string } | null }> } } };

export type WorkflowRunsChangedSubscriptionVariables = Exact<{
  organizationId: string | number;
  after?: string | null | undefined;
}>;


export type WorkflowRunsChangedSubscription = { workflowRunsChanged: { __typename: 'WorkflowRunEvent', cursor: string, type: string, at: string, run: { __typename: 'WorkflowRun', id: string, state: string, status: WorkflowRunStatus, startedBy: { __typename: 'User', id: string } | null, definition: { __typename: 'WorkflowDefinition', id: string, name: string } } } };

export { DashboardCountersFragmentDoc } from './documents/DashboardCountersFragmentDoc';
export { AuthFieldsFragmentDoc } from './documents/AuthFieldsFragmentDoc';
export { FileSummaryFragmentDoc } from './documents/FileSummaryFragmentDoc';
export { ViewerSummaryFragmentDoc } from './documents/ViewerSummaryFragmentDoc';
export { OrganizationSummaryFragmentDoc } from './documents/OrganizationSummaryFragmentDoc';
export { TaskFieldsFragmentDoc } from './documents/TaskFieldsFragmentDoc';
export { RunDetailFieldsFragmentDoc } from './documents/RunDetailFieldsFragmentDoc';
export { AccountDocument } from './documents/AccountDocument';
export { RevokeSessionDocument } from './documents/RevokeSessionDocument';
export { EnrollTotpDocument } from './documents/EnrollTotpDocument';
export { ConfirmTotpDocument } from './documents/ConfirmTotpDocument';
export { DisableTotpDocument } from './documents/DisableTotpDocument';
export { RegenerateRecoveryCodesDocument } from './documents/RegenerateRecoveryCodesDocument';
export { ChangePasswordDocument } from './documents/ChangePasswordDocument';
export { BeginOidcLinkDocument } from './documents/BeginOidcLinkDocument';
export { CompleteOidcLinkDocument } from './documents/CompleteOidcLinkDocument';
export { UnlinkOidcIdentityDocument } from './documents/UnlinkOidcIdentityDocument';
export { OidcProvidersDocument } from './documents/OidcProvidersDocument';
export { BeginOidcSignInDocument } from './documents/BeginOidcSignInDocument';
export { CompleteOidcSignInDocument } from './documents/CompleteOidcSignInDocument';
export { VerifySecondFactorDocument } from './documents/VerifySecondFactorDocument';
export { MembersDocument } from './documents/MembersDocument';
export { MembershipChangedDocument } from './documents/MembershipChangedDocument';
export { ChangeMemberRoleDocument } from './documents/ChangeMemberRoleDocument';
export { RemoveMemberDocument } from './documents/RemoveMemberDocument';
export { InvitationsDocument } from './documents/InvitationsDocument';
export { InviteMemberDocument } from './documents/InviteMemberDocument';
export { RevokeInvitationDocument } from './documents/RevokeInvitationDocument';
export { AcceptInvitationDocument } from './documents/AcceptInvitationDocument';
export { ApiKeysDocument } from './documents/ApiKeysDocument';
export { CreateApiKeyDocument } from './documents/CreateApiKeyDocument';
export { RevokeApiKeyDocument } from './documents/RevokeApiKeyDocument';
export { IpAllowListDocument } from './documents/IpAllowListDocument';
export { SetIpAllowListDocument } from './documents/SetIpAllowListDocument';
export { AuditLogDocument } from './documents/AuditLogDocument';
export { DashboardDocument } from './documents/DashboardDocument';
export { LiveMetricsDocument } from './documents/LiveMetricsDocument';
export { IngestEventsDocument } from './documents/IngestEventsDocument';
export { DashboardSeriesDocument } from './documents/DashboardSeriesDocument';
export { SignInDocument } from './documents/SignInDocument';
export { RefreshSessionDocument } from './documents/RefreshSessionDocument';
export { SignOutDocument } from './documents/SignOutDocument';
export { SignOutEverywhereDocument } from './documents/SignOutEverywhereDocument';
export { SignUpDocument } from './documents/SignUpDocument';
export { RunFilesDocument } from './documents/RunFilesDocument';
export { FileContentDocument } from './documents/FileContentDocument';
export { FilesDocument } from './documents/FilesDocument';
export { CreateUploadDocument } from './documents/CreateUploadDocument';
export { CreateVersionUploadDocument } from './documents/CreateVersionUploadDocument';
export { UploadPartTargetsDocument } from './documents/UploadPartTargetsDocument';
export { CompleteUploadDocument } from './documents/CompleteUploadDocument';
export { AbortUploadDocument } from './documents/AbortUploadDocument';
export { DeletedFilesDocument } from './documents/DeletedFilesDocument';
export { RestoreFileDocument } from './documents/RestoreFileDocument';
export { DeleteFileDocument } from './documents/DeleteFileDocument';
export { MyOrganizationsDocument } from './documents/MyOrganizationsDocument';
export { CreateOrganizationDocument } from './documents/CreateOrganizationDocument';
export { FirstScreenDocument } from './documents/FirstScreenDocument';
export { OrganizationRunsDocument } from './documents/OrganizationRunsDocument';
export { SearchDocument } from './documents/SearchDocument';
export { MyTasksDocument } from './documents/MyTasksDocument';
export { MyTasksChangedDocument } from './documents/MyTasksChangedDocument';
export { HumanTaskDocument } from './documents/HumanTaskDocument';
export { WorkflowDefinitionsDocument } from './documents/WorkflowDefinitionsDocument';
export { CreateWorkflowDefinitionDocument } from './documents/CreateWorkflowDefinitionDocument';
export { WorkflowDefinitionDocument } from './documents/WorkflowDefinitionDocument';
export { StartWorkflowRunDocument } from './documents/StartWorkflowRunDocument';
export { WorkflowRunDocument } from './documents/WorkflowRunDocument';
export { WorkflowRunUpdatedDocument } from './documents/WorkflowRunUpdatedDocument';
export { TransitionWorkflowRunDocument } from './documents/TransitionWorkflowRunDocument';
export { WorkflowRunsChangedDocument } from './documents/WorkflowRunsChangedDocument';
/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Account {\n    viewer {\n      id\n      name\n      email\n      twoFactorEnabled\n      sessions(first: 50) {\n        nodes {\n          id\n          createdAt\n          lastSeenAt\n          ipAddress\n          userAgent\n          current\n          revokedAt\n        }\n      }\n      linkedIdentities {\n        id\n        provider\n        email\n        createdAt\n        lastSignInAt\n      }\n    }\n  }\n": typeof types.AccountDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": typeof types.RevokeSessionDocument,
    "\n  mutation EnrollTotp {\n    enrollTotp {\n      secret\n      otpauthUri\n    }\n  }\n": typeof types.EnrollTotpDocument,
    "\n  mutation ConfirmTotp($code: String!) {\n    confirmTotp(code: $code) {\n      recoveryCodes\n    }\n  }\n": typeof types.ConfirmTotpDocument,
    "\n  mutation DisableTotp {\n    disableTotp\n  }\n": typeof types.DisableTotpDocument,
    "\n  mutation RegenerateRecoveryCodes {\n    regenerateRecoveryCodes\n  }\n": typeof types.RegenerateRecoveryCodesDocument,
    "\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input)\n  }\n": typeof types.ChangePasswordDocument,
    "\n  mutation BeginOidcLink($provider: ID!, $redirectUri: String!) {\n    beginOidcLink(provider: $provider, redirectUri: $redirectUri) {\n      authorizationUrl\n      binding\n    }\n  }\n": typeof types.BeginOidcLinkDocument,
    "\n  mutation CompleteOidcLink($input: CompleteOidcSignInInput!) {\n    completeOidcLink(input: $input) {\n      id\n      provider\n      email\n    }\n  }\n": typeof types.CompleteOidcLinkDocument,
    "\n  mutation UnlinkOidcIdentity($id: ID!) {\n    unlinkOidcIdentity(id: $id)\n  }\n": typeof types.UnlinkOidcIdentityDocument,
    "\n  query OidcProviders {\n    oidcProviders {\n      id\n      name\n    }\n  }\n": typeof types.OidcProvidersDocument,
    "\n  mutation BeginOidcSignIn($provider: ID!, $redirectUri: String!) {\n    beginOidcSignIn(provider: $provider, redirectUri: $redirectUri) {\n      authorizationUrl\n      binding\n    }\n  }\n": typeof types.BeginOidcSignInDocument,
    "\n  mutation CompleteOidcSignIn($input: CompleteOidcSignInInput!) {\n    completeOidcSignIn(input: $input) {\n      ...AuthFields\n    }\n  }\n": typeof types.CompleteOidcSignInDocument,
    "\n  mutation VerifySecondFactor($input: SecondFactorInput!) {\n    verifySecondFactor(input: $input) {\n      expiresAt\n    }\n  }\n": typeof types.VerifySecondFactorDocument,
    "\n  query Members($organizationId: ID!, $after: String, $search: String) {\n    organization(id: $organizationId) {\n      id\n      viewerRole\n      members(first: 50, after: $after, filter: { search: $search }) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          role\n          joinedAt\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n": typeof types.MembersDocument,
    "\n  subscription MembershipChanged($organizationId: ID!, $after: String) {\n    membershipChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      userId\n      role\n      member {\n        id\n        role\n        joinedAt\n        user {\n          id\n          name\n          email\n        }\n      }\n    }\n  }\n": typeof types.MembershipChangedDocument,
    "\n  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {\n    changeMemberRole(input: $input) {\n      id\n      role\n    }\n  }\n": typeof types.ChangeMemberRoleDocument,
    "\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input) {\n      removedUserId\n    }\n  }\n": typeof types.RemoveMemberDocument,
    "\n  query Invitations($organizationId: ID!, $status: InvitationStatus) {\n    organization(id: $organizationId) {\n      id\n      invitations(first: 100, status: $status) {\n        totalCount\n        nodes {\n          id\n          email\n          role\n          status\n          createdAt\n          expiresAt\n          invitedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.InvitationsDocument,
    "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      token\n      invitation {\n        id\n        email\n        role\n        status\n      }\n    }\n  }\n": typeof types.InviteMemberDocument,
    "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id) {\n      id\n      status\n    }\n  }\n": typeof types.RevokeInvitationDocument,
    "\n  mutation AcceptInvitation($token: String!) {\n    acceptInvitation(token: $token) {\n      id\n      role\n      organization {\n        id\n        name\n        slug\n        viewerRole\n      }\n    }\n  }\n": typeof types.AcceptInvitationDocument,
    "\n  query ApiKeys($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      apiKeys(first: 100) {\n        totalCount\n        nodes {\n          id\n          name\n          role\n          prefix\n          ipAllowList\n          createdAt\n          expiresAt\n          lastUsedAt\n          revokedAt\n          createdBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      secret\n      apiKey {\n        id\n        name\n        role\n        prefix\n      }\n    }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": typeof types.RevokeApiKeyDocument,
    "\n  query IpAllowList($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      ipAllowList\n    }\n  }\n": typeof types.IpAllowListDocument,
    "\n  mutation SetIpAllowList($input: SetOrganizationIpAllowListInput!) {\n    setOrganizationIpAllowList(input: $input) {\n      id\n      ipAllowList\n    }\n  }\n": typeof types.SetIpAllowListDocument,
    "\n  query AuditLog($organizationId: ID!, $first: Int!, $after: String, $filter: AuditLogFilter) {\n    organization(id: $organizationId) {\n      id\n      auditLog(first: $first, after: $after, filter: $filter) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          type\n          occurredAt\n          ipAddress\n          userId\n          details\n          actor {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.AuditLogDocument,
    "\n  query Dashboard($organizationId: ID!, $from: DateTime!) {\n    organization(id: $organizationId) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        ...DashboardCounters\n      }\n    }\n  }\n": typeof types.DashboardDocument,
    "\n  fragment DashboardCounters on OrganizationActivity {\n    activeUsers\n    eventCount\n    totals {\n      type\n      count\n    }\n  }\n": typeof types.DashboardCountersFragmentDoc,
    "\n  subscription LiveMetrics($organizationId: ID!, $windowSeconds: Int!, $after: String) {\n    liveMetrics(organizationId: $organizationId, windowSeconds: $windowSeconds, after: $after) {\n      cursor\n      at\n      total\n      counts {\n        type\n        count\n      }\n    }\n  }\n": typeof types.LiveMetricsDocument,
    "\n  mutation IngestEvents($input: IngestEventsInput!) {\n    ingestEvents(input: $input) {\n      accepted\n    }\n  }\n": typeof types.IngestEventsDocument,
    "\n  query DashboardSeries($organizationId: ID!, $from: DateTime!) {\n    organization(id: $organizationId) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        series {\n          bucketStart\n          type\n          count\n        }\n      }\n    }\n  }\n": typeof types.DashboardSeriesDocument,
    "\n  fragment AuthFields on AuthPayload {\n    accessToken\n    expiresAt\n    refreshToken\n    deviceToken\n    user {\n      id\n      name\n      email\n    }\n  }\n": typeof types.AuthFieldsFragmentDoc,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      ...AuthFields\n    }\n  }\n": typeof types.SignInDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n": typeof types.RefreshSessionDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": typeof types.SignOutDocument,
    "\n  mutation SignOutEverywhere {\n    signOutEverywhere\n  }\n": typeof types.SignOutEverywhereDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...AuthFields\n    }\n  }\n": typeof types.SignUpDocument,
    "\n  query RunFiles($id: ID!) {\n    workflowRun(id: $id) {\n      id\n      files(first: 50) {\n        totalCount\n        nodes {\n          ...FileSummary\n        }\n      }\n    }\n  }\n": typeof types.RunFilesDocument,
    "\n  fragment FileSummary on File {\n    id\n    name\n    contentType\n    size\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n": typeof types.FileSummaryFragmentDoc,
    "\n  query FileContent($id: ID!) {\n    file(id: $id) {\n      id\n      name\n      contentType\n      contentBase64\n    }\n  }\n": typeof types.FileContentDocument,
    "\n  query Files($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      files(first: 100) {\n        totalCount\n        nodes {\n          ...FileSummary\n          currentVersion\n          processing {\n            state\n            thumbnailUrl\n          }\n        }\n      }\n    }\n  }\n": typeof types.FilesDocument,
    "\n  mutation CreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      id\n      size\n      partSize\n      partCount\n      expiresAt\n      target {\n        url\n        method\n        headers {\n          name\n          value\n        }\n      }\n    }\n  }\n": typeof types.CreateUploadDocument,
    "\n  mutation CreateVersionUpload($input: CreateVersionUploadInput!) {\n    createVersionUpload(input: $input) {\n      id\n      size\n      partSize\n      partCount\n      expiresAt\n      target {\n        url\n        method\n        headers {\n          name\n          value\n        }\n      }\n    }\n  }\n": typeof types.CreateVersionUploadDocument,
    "\n  query UploadPartTargets($id: ID!, $partNumbers: [Int!]!) {\n    upload(id: $id) {\n      id\n      receivedParts {\n        partNumber\n        size\n        etag\n      }\n      partTargets(partNumbers: $partNumbers) {\n        partNumber\n        request {\n          url\n          method\n          headers {\n            name\n            value\n          }\n        }\n      }\n    }\n  }\n": typeof types.UploadPartTargetsDocument,
    "\n  mutation CompleteUpload($input: CompleteUploadInput!) {\n    completeUpload(input: $input) {\n      id\n      name\n      size\n      contentType\n      currentVersion\n      processing {\n        state\n      }\n    }\n  }\n": typeof types.CompleteUploadDocument,
    "\n  mutation AbortUpload($id: ID!) {\n    abortUpload(id: $id) {\n      abortedUploadId\n    }\n  }\n": typeof types.AbortUploadDocument,
    "\n  query DeletedFiles($organizationId: ID!, $first: Int = 20, $after: String) {\n    organization(id: $organizationId) {\n      id\n      deletedFiles(first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          name\n          contentType\n          size\n          deletedAt\n          purgeAt\n          deletedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.DeletedFilesDocument,
    "\n  mutation RestoreFile($id: ID!, $idempotencyKey: String) {\n    restoreFile(id: $id, idempotencyKey: $idempotencyKey) {\n      ...FileSummary\n      currentVersion\n    }\n  }\n": typeof types.RestoreFileDocument,
    "\n  mutation DeleteFile($id: ID!, $idempotencyKey: String) {\n    deleteFile(id: $id, idempotencyKey: $idempotencyKey) {\n      deletedFileId\n    }\n  }\n": typeof types.DeleteFileDocument,
    "\n  fragment ViewerSummary on User {\n    id\n    name\n    email\n  }\n": typeof types.ViewerSummaryFragmentDoc,
    "\n  fragment OrganizationSummary on Organization {\n    id\n    name\n    slug\n    viewerRole\n  }\n": typeof types.OrganizationSummaryFragmentDoc,
    "\n  query MyOrganizations {\n    viewer {\n      ...ViewerSummary\n    }\n    organizations(first: 100) {\n      nodes {\n        ...OrganizationSummary\n      }\n    }\n  }\n": typeof types.MyOrganizationsDocument,
    "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      ...OrganizationSummary\n    }\n  }\n": typeof types.CreateOrganizationDocument,
    "\n  query FirstScreen($organizationId: ID!, $remembered: Boolean!, $from: DateTime!) {\n    viewer {\n      ...ViewerSummary\n    }\n    organizations(first: 100) {\n      nodes {\n        ...OrganizationSummary\n      }\n    }\n    organization(id: $organizationId) @include(if: $remembered) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        ...DashboardCounters\n      }\n    }\n    firstOrganization: organizations(first: 1) @skip(if: $remembered) {\n      nodes {\n        id\n        activity(from: $from, bucket: HOUR) {\n          ...DashboardCounters\n        }\n      }\n    }\n  }\n": typeof types.FirstScreenDocument,
    "\n  query OrganizationRuns($organizationId: ID!, $first: Int!, $after: String, $filter: OrganizationWorkflowRunFilter) {\n    organization(id: $organizationId) {\n      id\n      workflows(first: 100) {\n        nodes {\n          id\n          name\n        }\n      }\n      workflowRuns(first: $first, after: $after, filter: $filter) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          state\n          status\n          createdAt\n          updatedAt\n          definition {\n            id\n            name\n          }\n          startedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.OrganizationRunsDocument,
    "\n  query Search($organizationId: ID!, $query: String!, $types: [SearchType!], $first: Int = 20, $after: String) {\n    search(organizationId: $organizationId, query: $query, types: $types, first: $first, after: $after) {\n      totalCount\n      facets {\n        type\n        count\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        highlights {\n          field\n          text\n          matches {\n            start\n            length\n          }\n        }\n        node {\n          __typename\n          ... on User {\n            id\n            name\n          }\n          ... on WorkflowDefinition {\n            id\n            name\n          }\n          ... on WorkflowRun {\n            id\n            state\n            definition {\n              id\n              name\n            }\n          }\n          ... on HumanTask {\n            id\n            title\n            run {\n              id\n            }\n          }\n          ... on File {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.SearchDocument,
    "\n  fragment TaskFields on HumanTask {\n    id\n    title\n    state\n    status\n    viewerIsAssignee\n    assigneeRole\n    createdAt\n    assignee {\n      id\n      name\n    }\n    organization {\n      id\n    }\n    run {\n      id\n      state\n      status\n      definition {\n        id\n        name\n      }\n      availableTransitions {\n        name\n        from\n        to\n      }\n    }\n  }\n": typeof types.TaskFieldsFragmentDoc,
    "\n  query MyTasks($organizationId: ID!) {\n    myTasks(first: 100, filter: { organizationId: $organizationId, status: OPEN }) {\n      totalCount\n      nodes {\n        ...TaskFields\n      }\n    }\n  }\n": typeof types.MyTasksDocument,
    "\n  subscription MyTasksChanged($organizationId: ID!, $after: String) {\n    myTasksChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      at\n      task {\n        ...TaskFields\n      }\n    }\n  }\n": typeof types.MyTasksChangedDocument,
    "\n  query HumanTask($id: ID!) {\n    humanTask(id: $id) {\n      ...TaskFields\n      completedAt\n      completedBy {\n        id\n        name\n      }\n    }\n  }\n": typeof types.HumanTaskDocument,
    "\n  query WorkflowDefinitions($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      workflows(first: 100) {\n        totalCount\n        nodes {\n          id\n          key\n          name\n          description\n          version\n          stats {\n            runsStarted\n            runsCompleted\n          }\n        }\n      }\n    }\n  }\n": typeof types.WorkflowDefinitionsDocument,
    "\n  mutation CreateWorkflowDefinition($input: CreateWorkflowDefinitionInput!) {\n    createWorkflowDefinition(input: $input) {\n      id\n      key\n      name\n    }\n  }\n": typeof types.CreateWorkflowDefinitionDocument,
    "\n  query WorkflowDefinition($id: ID!) {\n    workflowDefinition(id: $id) {\n      id\n      key\n      name\n      description\n      version\n      latestVersion {\n        version\n        initialState\n        states {\n          name\n          final\n        }\n        transitions {\n          name\n          from\n          to\n          allowedRoles\n        }\n      }\n      runs(first: 50) {\n        totalCount\n        nodes {\n          id\n          state\n          status\n          createdAt\n          startedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.WorkflowDefinitionDocument,
    "\n  mutation StartWorkflowRun($input: StartWorkflowRunInput!) {\n    startWorkflowRun(input: $input) {\n      id\n      state\n    }\n  }\n": typeof types.StartWorkflowRunDocument,
    "\n  fragment RunDetailFields on WorkflowRun {\n    id\n    state\n    status\n    createdAt\n    updatedAt\n    finishedAt\n    organization {\n      id\n    }\n    definition {\n      id\n      name\n    }\n    startedBy {\n      id\n      name\n    }\n    availableTransitions {\n      name\n      from\n      to\n    }\n    history(first: 100) {\n      nodes {\n        id\n        sequence\n        transition\n        from\n        to\n        comment\n        at\n        actor {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.RunDetailFieldsFragmentDoc,
    "\n  query WorkflowRun($id: ID!) {\n    workflowRun(id: $id) {\n      ...RunDetailFields\n    }\n  }\n": typeof types.WorkflowRunDocument,
    "\n  subscription WorkflowRunUpdated($runId: ID!, $after: String) {\n    workflowRunUpdated(runId: $runId, after: $after) {\n      cursor\n      type\n      at\n      run {\n        ...RunDetailFields\n      }\n    }\n  }\n": typeof types.WorkflowRunUpdatedDocument,
    "\n  mutation TransitionWorkflowRun($input: TransitionWorkflowRunInput!) {\n    transitionWorkflowRun(input: $input) {\n      ...RunDetailFields\n    }\n  }\n": typeof types.TransitionWorkflowRunDocument,
    "\n  subscription WorkflowRunsChanged($organizationId: ID!, $after: String) {\n    workflowRunsChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      at\n      run {\n        id\n        state\n        status\n        startedBy {\n          id\n        }\n        definition {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.WorkflowRunsChangedDocument,
};
const documents: Documents = {
    "\n  query Account {\n    viewer {\n      id\n      name\n      email\n      twoFactorEnabled\n      sessions(first: 50) {\n        nodes {\n          id\n          createdAt\n          lastSeenAt\n          ipAddress\n          userAgent\n          current\n          revokedAt\n        }\n      }\n      linkedIdentities {\n        id\n        provider\n        email\n        createdAt\n        lastSignInAt\n      }\n    }\n  }\n": types.AccountDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": types.RevokeSessionDocument,
    "\n  mutation EnrollTotp {\n    enrollTotp {\n      secret\n      otpauthUri\n    }\n  }\n": types.EnrollTotpDocument,
    "\n  mutation ConfirmTotp($code: String!) {\n    confirmTotp(code: $code) {\n      recoveryCodes\n    }\n  }\n": types.ConfirmTotpDocument,
    "\n  mutation DisableTotp {\n    disableTotp\n  }\n": types.DisableTotpDocument,
    "\n  mutation RegenerateRecoveryCodes {\n    regenerateRecoveryCodes\n  }\n": types.RegenerateRecoveryCodesDocument,
    "\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input)\n  }\n": types.ChangePasswordDocument,
    "\n  mutation BeginOidcLink($provider: ID!, $redirectUri: String!) {\n    beginOidcLink(provider: $provider, redirectUri: $redirectUri) {\n      authorizationUrl\n      binding\n    }\n  }\n": types.BeginOidcLinkDocument,
    "\n  mutation CompleteOidcLink($input: CompleteOidcSignInInput!) {\n    completeOidcLink(input: $input) {\n      id\n      provider\n      email\n    }\n  }\n": types.CompleteOidcLinkDocument,
    "\n  mutation UnlinkOidcIdentity($id: ID!) {\n    unlinkOidcIdentity(id: $id)\n  }\n": types.UnlinkOidcIdentityDocument,
    "\n  query OidcProviders {\n    oidcProviders {\n      id\n      name\n    }\n  }\n": types.OidcProvidersDocument,
    "\n  mutation BeginOidcSignIn($provider: ID!, $redirectUri: String!) {\n    beginOidcSignIn(provider: $provider, redirectUri: $redirectUri) {\n      authorizationUrl\n      binding\n    }\n  }\n": types.BeginOidcSignInDocument,
    "\n  mutation CompleteOidcSignIn($input: CompleteOidcSignInInput!) {\n    completeOidcSignIn(input: $input) {\n      ...AuthFields\n    }\n  }\n": types.CompleteOidcSignInDocument,
    "\n  mutation VerifySecondFactor($input: SecondFactorInput!) {\n    verifySecondFactor(input: $input) {\n      expiresAt\n    }\n  }\n": types.VerifySecondFactorDocument,
    "\n  query Members($organizationId: ID!, $after: String, $search: String) {\n    organization(id: $organizationId) {\n      id\n      viewerRole\n      members(first: 50, after: $after, filter: { search: $search }) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          role\n          joinedAt\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n": types.MembersDocument,
    "\n  subscription MembershipChanged($organizationId: ID!, $after: String) {\n    membershipChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      userId\n      role\n      member {\n        id\n        role\n        joinedAt\n        user {\n          id\n          name\n          email\n        }\n      }\n    }\n  }\n": types.MembershipChangedDocument,
    "\n  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {\n    changeMemberRole(input: $input) {\n      id\n      role\n    }\n  }\n": types.ChangeMemberRoleDocument,
    "\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input) {\n      removedUserId\n    }\n  }\n": types.RemoveMemberDocument,
    "\n  query Invitations($organizationId: ID!, $status: InvitationStatus) {\n    organization(id: $organizationId) {\n      id\n      invitations(first: 100, status: $status) {\n        totalCount\n        nodes {\n          id\n          email\n          role\n          status\n          createdAt\n          expiresAt\n          invitedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": types.InvitationsDocument,
    "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      token\n      invitation {\n        id\n        email\n        role\n        status\n      }\n    }\n  }\n": types.InviteMemberDocument,
    "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id) {\n      id\n      status\n    }\n  }\n": types.RevokeInvitationDocument,
    "\n  mutation AcceptInvitation($token: String!) {\n    acceptInvitation(token: $token) {\n      id\n      role\n      organization {\n        id\n        name\n        slug\n        viewerRole\n      }\n    }\n  }\n": types.AcceptInvitationDocument,
    "\n  query ApiKeys($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      apiKeys(first: 100) {\n        totalCount\n        nodes {\n          id\n          name\n          role\n          prefix\n          ipAllowList\n          createdAt\n          expiresAt\n          lastUsedAt\n          revokedAt\n          createdBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      secret\n      apiKey {\n        id\n        name\n        role\n        prefix\n      }\n    }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n": types.RevokeApiKeyDocument,
    "\n  query IpAllowList($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      ipAllowList\n    }\n  }\n": types.IpAllowListDocument,
    "\n  mutation SetIpAllowList($input: SetOrganizationIpAllowListInput!) {\n    setOrganizationIpAllowList(input: $input) {\n      id\n      ipAllowList\n    }\n  }\n": types.SetIpAllowListDocument,
    "\n  query AuditLog($organizationId: ID!, $first: Int!, $after: String, $filter: AuditLogFilter) {\n    organization(id: $organizationId) {\n      id\n      auditLog(first: $first, after: $after, filter: $filter) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          type\n          occurredAt\n          ipAddress\n          userId\n          details\n          actor {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": types.AuditLogDocument,
    "\n  query Dashboard($organizationId: ID!, $from: DateTime!) {\n    organization(id: $organizationId) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        ...DashboardCounters\n      }\n    }\n  }\n": types.DashboardDocument,
    "\n  fragment DashboardCounters on OrganizationActivity {\n    activeUsers\n    eventCount\n    totals {\n      type\n      count\n    }\n  }\n": types.DashboardCountersFragmentDoc,
    "\n  subscription LiveMetrics($organizationId: ID!, $windowSeconds: Int!, $after: String) {\n    liveMetrics(organizationId: $organizationId, windowSeconds: $windowSeconds, after: $after) {\n      cursor\n      at\n      total\n      counts {\n        type\n        count\n      }\n    }\n  }\n": types.LiveMetricsDocument,
    "\n  mutation IngestEvents($input: IngestEventsInput!) {\n    ingestEvents(input: $input) {\n      accepted\n    }\n  }\n": types.IngestEventsDocument,
    "\n  query DashboardSeries($organizationId: ID!, $from: DateTime!) {\n    organization(id: $organizationId) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        series {\n          bucketStart\n          type\n          count\n        }\n      }\n    }\n  }\n": types.DashboardSeriesDocument,
    "\n  fragment AuthFields on AuthPayload {\n    accessToken\n    expiresAt\n    refreshToken\n    deviceToken\n    user {\n      id\n      name\n      email\n    }\n  }\n": types.AuthFieldsFragmentDoc,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      ...AuthFields\n    }\n  }\n": types.SignInDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n": types.RefreshSessionDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": types.SignOutDocument,
    "\n  mutation SignOutEverywhere {\n    signOutEverywhere\n  }\n": types.SignOutEverywhereDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...AuthFields\n    }\n  }\n": types.SignUpDocument,
    "\n  query RunFiles($id: ID!) {\n    workflowRun(id: $id) {\n      id\n      files(first: 50) {\n        totalCount\n        nodes {\n          ...FileSummary\n        }\n      }\n    }\n  }\n": types.RunFilesDocument,
    "\n  fragment FileSummary on File {\n    id\n    name\n    contentType\n    size\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n": types.FileSummaryFragmentDoc,
    "\n  query FileContent($id: ID!) {\n    file(id: $id) {\n      id\n      name\n      contentType\n      contentBase64\n    }\n  }\n": types.FileContentDocument,
    "\n  query Files($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      files(first: 100) {\n        totalCount\n        nodes {\n          ...FileSummary\n          currentVersion\n          processing {\n            state\n            thumbnailUrl\n          }\n        }\n      }\n    }\n  }\n": types.FilesDocument,
    "\n  mutation CreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      id\n      size\n      partSize\n      partCount\n      expiresAt\n      target {\n        url\n        method\n        headers {\n          name\n          value\n        }\n      }\n    }\n  }\n": types.CreateUploadDocument,
    "\n  mutation CreateVersionUpload($input: CreateVersionUploadInput!) {\n    createVersionUpload(input: $input) {\n      id\n      size\n      partSize\n      partCount\n      expiresAt\n      target {\n        url\n        method\n        headers {\n          name\n          value\n        }\n      }\n    }\n  }\n": types.CreateVersionUploadDocument,
    "\n  query UploadPartTargets($id: ID!, $partNumbers: [Int!]!) {\n    upload(id: $id) {\n      id\n      receivedParts {\n        partNumber\n        size\n        etag\n      }\n      partTargets(partNumbers: $partNumbers) {\n        partNumber\n        request {\n          url\n          method\n          headers {\n            name\n            value\n          }\n        }\n      }\n    }\n  }\n": types.UploadPartTargetsDocument,
    "\n  mutation CompleteUpload($input: CompleteUploadInput!) {\n    completeUpload(input: $input) {\n      id\n      name\n      size\n      contentType\n      currentVersion\n      processing {\n        state\n      }\n    }\n  }\n": types.CompleteUploadDocument,
    "\n  mutation AbortUpload($id: ID!) {\n    abortUpload(id: $id) {\n      abortedUploadId\n    }\n  }\n": types.AbortUploadDocument,
    "\n  query DeletedFiles($organizationId: ID!, $first: Int = 20, $after: String) {\n    organization(id: $organizationId) {\n      id\n      deletedFiles(first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          name\n          contentType\n          size\n          deletedAt\n          purgeAt\n          deletedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": types.DeletedFilesDocument,
    "\n  mutation RestoreFile($id: ID!, $idempotencyKey: String) {\n    restoreFile(id: $id, idempotencyKey: $idempotencyKey) {\n      ...FileSummary\n      currentVersion\n    }\n  }\n": types.RestoreFileDocument,
    "\n  mutation DeleteFile($id: ID!, $idempotencyKey: String) {\n    deleteFile(id: $id, idempotencyKey: $idempotencyKey) {\n      deletedFileId\n    }\n  }\n": types.DeleteFileDocument,
    "\n  fragment ViewerSummary on User {\n    id\n    name\n    email\n  }\n": types.ViewerSummaryFragmentDoc,
    "\n  fragment OrganizationSummary on Organization {\n    id\n    name\n    slug\n    viewerRole\n  }\n": types.OrganizationSummaryFragmentDoc,
    "\n  query MyOrganizations {\n    viewer {\n      ...ViewerSummary\n    }\n    organizations(first: 100) {\n      nodes {\n        ...OrganizationSummary\n      }\n    }\n  }\n": types.MyOrganizationsDocument,
    "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      ...OrganizationSummary\n    }\n  }\n": types.CreateOrganizationDocument,
    "\n  query FirstScreen($organizationId: ID!, $remembered: Boolean!, $from: DateTime!) {\n    viewer {\n      ...ViewerSummary\n    }\n    organizations(first: 100) {\n      nodes {\n        ...OrganizationSummary\n      }\n    }\n    organization(id: $organizationId) @include(if: $remembered) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        ...DashboardCounters\n      }\n    }\n    firstOrganization: organizations(first: 1) @skip(if: $remembered) {\n      nodes {\n        id\n        activity(from: $from, bucket: HOUR) {\n          ...DashboardCounters\n        }\n      }\n    }\n  }\n": types.FirstScreenDocument,
    "\n  query OrganizationRuns($organizationId: ID!, $first: Int!, $after: String, $filter: OrganizationWorkflowRunFilter) {\n    organization(id: $organizationId) {\n      id\n      workflows(first: 100) {\n        nodes {\n          id\n          name\n        }\n      }\n      workflowRuns(first: $first, after: $after, filter: $filter) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          state\n          status\n          createdAt\n          updatedAt\n          definition {\n            id\n            name\n          }\n          startedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": types.OrganizationRunsDocument,
    "\n  query Search($organizationId: ID!, $query: String!, $types: [SearchType!], $first: Int = 20, $after: String) {\n    search(organizationId: $organizationId, query: $query, types: $types, first: $first, after: $after) {\n      totalCount\n      facets {\n        type\n        count\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        highlights {\n          field\n          text\n          matches {\n            start\n            length\n          }\n        }\n        node {\n          __typename\n          ... on User {\n            id\n            name\n          }\n          ... on WorkflowDefinition {\n            id\n            name\n          }\n          ... on WorkflowRun {\n            id\n            state\n            definition {\n              id\n              name\n            }\n          }\n          ... on HumanTask {\n            id\n            title\n            run {\n              id\n            }\n          }\n          ... on File {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": types.SearchDocument,
    "\n  fragment TaskFields on HumanTask {\n    id\n    title\n    state\n    status\n    viewerIsAssignee\n    assigneeRole\n    createdAt\n    assignee {\n      id\n      name\n    }\n    organization {\n      id\n    }\n    run {\n      id\n      state\n      status\n      definition {\n        id\n        name\n      }\n      availableTransitions {\n        name\n        from\n        to\n      }\n    }\n  }\n": types.TaskFieldsFragmentDoc,
    "\n  query MyTasks($organizationId: ID!) {\n    myTasks(first: 100, filter: { organizationId: $organizationId, status: OPEN }) {\n      totalCount\n      nodes {\n        ...TaskFields\n      }\n    }\n  }\n": types.MyTasksDocument,
    "\n  subscription MyTasksChanged($organizationId: ID!, $after: String) {\n    myTasksChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      at\n      task {\n        ...TaskFields\n      }\n    }\n  }\n": types.MyTasksChangedDocument,
    "\n  query HumanTask($id: ID!) {\n    humanTask(id: $id) {\n      ...TaskFields\n      completedAt\n      completedBy {\n        id\n        name\n      }\n    }\n  }\n": types.HumanTaskDocument,
    "\n  query WorkflowDefinitions($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      workflows(first: 100) {\n        totalCount\n        nodes {\n          id\n          key\n          name\n          description\n          version\n          stats {\n            runsStarted\n            runsCompleted\n          }\n        }\n      }\n    }\n  }\n": types.WorkflowDefinitionsDocument,
    "\n  mutation CreateWorkflowDefinition($input: CreateWorkflowDefinitionInput!) {\n    createWorkflowDefinition(input: $input) {\n      id\n      key\n      name\n    }\n  }\n": types.CreateWorkflowDefinitionDocument,
    "\n  query WorkflowDefinition($id: ID!) {\n    workflowDefinition(id: $id) {\n      id\n      key\n      name\n      description\n      version\n      latestVersion {\n        version\n        initialState\n        states {\n          name\n          final\n        }\n        transitions {\n          name\n          from\n          to\n          allowedRoles\n        }\n      }\n      runs(first: 50) {\n        totalCount\n        nodes {\n          id\n          state\n          status\n          createdAt\n          startedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": types.WorkflowDefinitionDocument,
    "\n  mutation StartWorkflowRun($input: StartWorkflowRunInput!) {\n    startWorkflowRun(input: $input) {\n      id\n      state\n    }\n  }\n": types.StartWorkflowRunDocument,
    "\n  fragment RunDetailFields on WorkflowRun {\n    id\n    state\n    status\n    createdAt\n    updatedAt\n    finishedAt\n    organization {\n      id\n    }\n    definition {\n      id\n      name\n    }\n    startedBy {\n      id\n      name\n    }\n    availableTransitions {\n      name\n      from\n      to\n    }\n    history(first: 100) {\n      nodes {\n        id\n        sequence\n        transition\n        from\n        to\n        comment\n        at\n        actor {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.RunDetailFieldsFragmentDoc,
    "\n  query WorkflowRun($id: ID!) {\n    workflowRun(id: $id) {\n      ...RunDetailFields\n    }\n  }\n": types.WorkflowRunDocument,
    "\n  subscription WorkflowRunUpdated($runId: ID!, $after: String) {\n    workflowRunUpdated(runId: $runId, after: $after) {\n      cursor\n      type\n      at\n      run {\n        ...RunDetailFields\n      }\n    }\n  }\n": types.WorkflowRunUpdatedDocument,
    "\n  mutation TransitionWorkflowRun($input: TransitionWorkflowRunInput!) {\n    transitionWorkflowRun(input: $input) {\n      ...RunDetailFields\n    }\n  }\n": types.TransitionWorkflowRunDocument,
    "\n  subscription WorkflowRunsChanged($organizationId: ID!, $after: String) {\n    workflowRunsChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      at\n      run {\n        id\n        state\n        status\n        startedBy {\n          id\n        }\n        definition {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.WorkflowRunsChangedDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Account {\n    viewer {\n      id\n      name\n      email\n      twoFactorEnabled\n      sessions(first: 50) {\n        nodes {\n          id\n          createdAt\n          lastSeenAt\n          ipAddress\n          userAgent\n          current\n          revokedAt\n        }\n      }\n      linkedIdentities {\n        id\n        provider\n        email\n        createdAt\n        lastSignInAt\n      }\n    }\n  }\n"): (typeof documents)["\n  query Account {\n    viewer {\n      id\n      name\n      email\n      twoFactorEnabled\n      sessions(first: 50) {\n        nodes {\n          id\n          createdAt\n          lastSeenAt\n          ipAddress\n          userAgent\n          current\n          revokedAt\n        }\n      }\n      linkedIdentities {\n        id\n        provider\n        email\n        createdAt\n        lastSignInAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EnrollTotp {\n    enrollTotp {\n      secret\n      otpauthUri\n    }\n  }\n"): (typeof documents)["\n  mutation EnrollTotp {\n    enrollTotp {\n      secret\n      otpauthUri\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmTotp($code: String!) {\n    confirmTotp(code: $code) {\n      recoveryCodes\n    }\n  }\n"): (typeof documents)["\n  mutation ConfirmTotp($code: String!) {\n    confirmTotp(code: $code) {\n      recoveryCodes\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisableTotp {\n    disableTotp\n  }\n"): (typeof documents)["\n  mutation DisableTotp {\n    disableTotp\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegenerateRecoveryCodes {\n    regenerateRecoveryCodes\n  }\n"): (typeof documents)["\n  mutation RegenerateRecoveryCodes {\n    regenerateRecoveryCodes\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input)\n  }\n"): (typeof documents)["\n  mutation ChangePassword($input: ChangePasswordInput!) {\n    changePassword(input: $input)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BeginOidcLink($provider: ID!, $redirectUri: String!) {\n    beginOidcLink(provider: $provider, redirectUri: $redirectUri) {\n      authorizationUrl\n      binding\n    }\n  }\n"): (typeof documents)["\n  mutation BeginOidcLink($provider: ID!, $redirectUri: String!) {\n    beginOidcLink(provider: $provider, redirectUri: $redirectUri) {\n      authorizationUrl\n      binding\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteOidcLink($input: CompleteOidcSignInInput!) {\n    completeOidcLink(input: $input) {\n      id\n      provider\n      email\n    }\n  }\n"): (typeof documents)["\n  mutation CompleteOidcLink($input: CompleteOidcSignInInput!) {\n    completeOidcLink(input: $input) {\n      id\n      provider\n      email\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnlinkOidcIdentity($id: ID!) {\n    unlinkOidcIdentity(id: $id)\n  }\n"): (typeof documents)["\n  mutation UnlinkOidcIdentity($id: ID!) {\n    unlinkOidcIdentity(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OidcProviders {\n    oidcProviders {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  query OidcProviders {\n    oidcProviders {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BeginOidcSignIn($provider: ID!, $redirectUri: String!) {\n    beginOidcSignIn(provider: $provider, redirectUri: $redirectUri) {\n      authorizationUrl\n      binding\n    }\n  }\n"): (typeof documents)["\n  mutation BeginOidcSignIn($provider: ID!, $redirectUri: String!) {\n    beginOidcSignIn(provider: $provider, redirectUri: $redirectUri) {\n      authorizationUrl\n      binding\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteOidcSignIn($input: CompleteOidcSignInInput!) {\n    completeOidcSignIn(input: $input) {\n      ...AuthFields\n    }\n  }\n"): (typeof documents)["\n  mutation CompleteOidcSignIn($input: CompleteOidcSignInInput!) {\n    completeOidcSignIn(input: $input) {\n      ...AuthFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifySecondFactor($input: SecondFactorInput!) {\n    verifySecondFactor(input: $input) {\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation VerifySecondFactor($input: SecondFactorInput!) {\n    verifySecondFactor(input: $input) {\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Members($organizationId: ID!, $after: String, $search: String) {\n    organization(id: $organizationId) {\n      id\n      viewerRole\n      members(first: 50, after: $after, filter: { search: $search }) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          role\n          joinedAt\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Members($organizationId: ID!, $after: String, $search: String) {\n    organization(id: $organizationId) {\n      id\n      viewerRole\n      members(first: 50, after: $after, filter: { search: $search }) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          role\n          joinedAt\n          user {\n            id\n            name\n            email\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MembershipChanged($organizationId: ID!, $after: String) {\n    membershipChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      userId\n      role\n      member {\n        id\n        role\n        joinedAt\n        user {\n          id\n          name\n          email\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription MembershipChanged($organizationId: ID!, $after: String) {\n    membershipChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      userId\n      role\n      member {\n        id\n        role\n        joinedAt\n        user {\n          id\n          name\n          email\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {\n    changeMemberRole(input: $input) {\n      id\n      role\n    }\n  }\n"): (typeof documents)["\n  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {\n    changeMemberRole(input: $input) {\n      id\n      role\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input) {\n      removedUserId\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveMember($input: RemoveMemberInput!) {\n    removeMember(input: $input) {\n      removedUserId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Invitations($organizationId: ID!, $status: InvitationStatus) {\n    organization(id: $organizationId) {\n      id\n      invitations(first: 100, status: $status) {\n        totalCount\n        nodes {\n          id\n          email\n          role\n          status\n          createdAt\n          expiresAt\n          invitedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Invitations($organizationId: ID!, $status: InvitationStatus) {\n    organization(id: $organizationId) {\n      id\n      invitations(first: 100, status: $status) {\n        totalCount\n        nodes {\n          id\n          email\n          role\n          status\n          createdAt\n          expiresAt\n          invitedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      token\n      invitation {\n        id\n        email\n        role\n        status\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation InviteMember($input: InviteMemberInput!) {\n    inviteMember(input: $input) {\n      token\n      invitation {\n        id\n        email\n        role\n        status\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeInvitation($id: ID!) {\n    revokeInvitation(id: $id) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptInvitation($token: String!) {\n    acceptInvitation(token: $token) {\n      id\n      role\n      organization {\n        id\n        name\n        slug\n        viewerRole\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AcceptInvitation($token: String!) {\n    acceptInvitation(token: $token) {\n      id\n      role\n      organization {\n        id\n        name\n        slug\n        viewerRole\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiKeys($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      apiKeys(first: 100) {\n        totalCount\n        nodes {\n          id\n          name\n          role\n          prefix\n          ipAllowList\n          createdAt\n          expiresAt\n          lastUsedAt\n          revokedAt\n          createdBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ApiKeys($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      apiKeys(first: 100) {\n        totalCount\n        nodes {\n          id\n          name\n          role\n          prefix\n          ipAllowList\n          createdAt\n          expiresAt\n          lastUsedAt\n          revokedAt\n          createdBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      secret\n      apiKey {\n        id\n        name\n        role\n        prefix\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      secret\n      apiKey {\n        id\n        name\n        role\n        prefix\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"): (typeof documents)["\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      id\n      revokedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query IpAllowList($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      ipAllowList\n    }\n  }\n"): (typeof documents)["\n  query IpAllowList($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      ipAllowList\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetIpAllowList($input: SetOrganizationIpAllowListInput!) {\n    setOrganizationIpAllowList(input: $input) {\n      id\n      ipAllowList\n    }\n  }\n"): (typeof documents)["\n  mutation SetIpAllowList($input: SetOrganizationIpAllowListInput!) {\n    setOrganizationIpAllowList(input: $input) {\n      id\n      ipAllowList\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditLog($organizationId: ID!, $first: Int!, $after: String, $filter: AuditLogFilter) {\n    organization(id: $organizationId) {\n      id\n      auditLog(first: $first, after: $after, filter: $filter) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          type\n          occurredAt\n          ipAddress\n          userId\n          details\n          actor {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query AuditLog($organizationId: ID!, $first: Int!, $after: String, $filter: AuditLogFilter) {\n    organization(id: $organizationId) {\n      id\n      auditLog(first: $first, after: $after, filter: $filter) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          type\n          occurredAt\n          ipAddress\n          userId\n          details\n          actor {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Dashboard($organizationId: ID!, $from: DateTime!) {\n    organization(id: $organizationId) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        ...DashboardCounters\n      }\n    }\n  }\n"): (typeof documents)["\n  query Dashboard($organizationId: ID!, $from: DateTime!) {\n    organization(id: $organizationId) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        ...DashboardCounters\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment DashboardCounters on OrganizationActivity {\n    activeUsers\n    eventCount\n    totals {\n      type\n      count\n    }\n  }\n"): (typeof documents)["\n  fragment DashboardCounters on OrganizationActivity {\n    activeUsers\n    eventCount\n    totals {\n      type\n      count\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveMetrics($organizationId: ID!, $windowSeconds: Int!, $after: String) {\n    liveMetrics(organizationId: $organizationId, windowSeconds: $windowSeconds, after: $after) {\n      cursor\n      at\n      total\n      counts {\n        type\n        count\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription LiveMetrics($organizationId: ID!, $windowSeconds: Int!, $after: String) {\n    liveMetrics(organizationId: $organizationId, windowSeconds: $windowSeconds, after: $after) {\n      cursor\n      at\n      total\n      counts {\n        type\n        count\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation IngestEvents($input: IngestEventsInput!) {\n    ingestEvents(input: $input) {\n      accepted\n    }\n  }\n"): (typeof documents)["\n  mutation IngestEvents($input: IngestEventsInput!) {\n    ingestEvents(input: $input) {\n      accepted\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardSeries($organizationId: ID!, $from: DateTime!) {\n    organization(id: $organizationId) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        series {\n          bucketStart\n          type\n          count\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query DashboardSeries($organizationId: ID!, $from: DateTime!) {\n    organization(id: $organizationId) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        series {\n          bucketStart\n          type\n          count\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AuthFields on AuthPayload {\n    accessToken\n    expiresAt\n    refreshToken\n    deviceToken\n    user {\n      id\n      name\n      email\n    }\n  }\n"): (typeof documents)["\n  fragment AuthFields on AuthPayload {\n    accessToken\n    expiresAt\n    refreshToken\n    deviceToken\n    user {\n      id\n      name\n      email\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      ...AuthFields\n    }\n  }\n"): (typeof documents)["\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      ...AuthFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n"): (typeof documents)["\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOut {\n    signOut\n  }\n"): (typeof documents)["\n  mutation SignOut {\n    signOut\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOutEverywhere {\n    signOutEverywhere\n  }\n"): (typeof documents)["\n  mutation SignOutEverywhere {\n    signOutEverywhere\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...AuthFields\n    }\n  }\n"): (typeof documents)["\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...AuthFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunFiles($id: ID!) {\n    workflowRun(id: $id) {\n      id\n      files(first: 50) {\n        totalCount\n        nodes {\n          ...FileSummary\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RunFiles($id: ID!) {\n    workflowRun(id: $id) {\n      id\n      files(first: 50) {\n        totalCount\n        nodes {\n          ...FileSummary\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment FileSummary on File {\n    id\n    name\n    contentType\n    size\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  fragment FileSummary on File {\n    id\n    name\n    contentType\n    size\n    createdAt\n    owner {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FileContent($id: ID!) {\n    file(id: $id) {\n      id\n      name\n      contentType\n      contentBase64\n    }\n  }\n"): (typeof documents)["\n  query FileContent($id: ID!) {\n    file(id: $id) {\n      id\n      name\n      contentType\n      contentBase64\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Files($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      files(first: 100) {\n        totalCount\n        nodes {\n          ...FileSummary\n          currentVersion\n          processing {\n            state\n            thumbnailUrl\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Files($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      files(first: 100) {\n        totalCount\n        nodes {\n          ...FileSummary\n          currentVersion\n          processing {\n            state\n            thumbnailUrl\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      id\n      size\n      partSize\n      partCount\n      expiresAt\n      target {\n        url\n        method\n        headers {\n          name\n          value\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUpload($input: CreateUploadInput!) {\n    createUpload(input: $input) {\n      id\n      size\n      partSize\n      partCount\n      expiresAt\n      target {\n        url\n        method\n        headers {\n          name\n          value\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateVersionUpload($input: CreateVersionUploadInput!) {\n    createVersionUpload(input: $input) {\n      id\n      size\n      partSize\n      partCount\n      expiresAt\n      target {\n        url\n        method\n        headers {\n          name\n          value\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateVersionUpload($input: CreateVersionUploadInput!) {\n    createVersionUpload(input: $input) {\n      id\n      size\n      partSize\n      partCount\n      expiresAt\n      target {\n        url\n        method\n        headers {\n          name\n          value\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UploadPartTargets($id: ID!, $partNumbers: [Int!]!) {\n    upload(id: $id) {\n      id\n      receivedParts {\n        partNumber\n        size\n        etag\n      }\n      partTargets(partNumbers: $partNumbers) {\n        partNumber\n        request {\n          url\n          method\n          headers {\n            name\n            value\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query UploadPartTargets($id: ID!, $partNumbers: [Int!]!) {\n    upload(id: $id) {\n      id\n      receivedParts {\n        partNumber\n        size\n        etag\n      }\n      partTargets(partNumbers: $partNumbers) {\n        partNumber\n        request {\n          url\n          method\n          headers {\n            name\n            value\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteUpload($input: CompleteUploadInput!) {\n    completeUpload(input: $input) {\n      id\n      name\n      size\n      contentType\n      currentVersion\n      processing {\n        state\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CompleteUpload($input: CompleteUploadInput!) {\n    completeUpload(input: $input) {\n      id\n      name\n      size\n      contentType\n      currentVersion\n      processing {\n        state\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AbortUpload($id: ID!) {\n    abortUpload(id: $id) {\n      abortedUploadId\n    }\n  }\n"): (typeof documents)["\n  mutation AbortUpload($id: ID!) {\n    abortUpload(id: $id) {\n      abortedUploadId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DeletedFiles($organizationId: ID!, $first: Int = 20, $after: String) {\n    organization(id: $organizationId) {\n      id\n      deletedFiles(first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          name\n          contentType\n          size\n          deletedAt\n          purgeAt\n          deletedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query DeletedFiles($organizationId: ID!, $first: Int = 20, $after: String) {\n    organization(id: $organizationId) {\n      id\n      deletedFiles(first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          name\n          contentType\n          size\n          deletedAt\n          purgeAt\n          deletedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RestoreFile($id: ID!, $idempotencyKey: String) {\n    restoreFile(id: $id, idempotencyKey: $idempotencyKey) {\n      ...FileSummary\n      currentVersion\n    }\n  }\n"): (typeof documents)["\n  mutation RestoreFile($id: ID!, $idempotencyKey: String) {\n    restoreFile(id: $id, idempotencyKey: $idempotencyKey) {\n      ...FileSummary\n      currentVersion\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteFile($id: ID!, $idempotencyKey: String) {\n    deleteFile(id: $id, idempotencyKey: $idempotencyKey) {\n      deletedFileId\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteFile($id: ID!, $idempotencyKey: String) {\n    deleteFile(id: $id, idempotencyKey: $idempotencyKey) {\n      deletedFileId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ViewerSummary on User {\n    id\n    name\n    email\n  }\n"): (typeof documents)["\n  fragment ViewerSummary on User {\n    id\n    name\n    email\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment OrganizationSummary on Organization {\n    id\n    name\n    slug\n    viewerRole\n  }\n"): (typeof documents)["\n  fragment OrganizationSummary on Organization {\n    id\n    name\n    slug\n    viewerRole\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyOrganizations {\n    viewer {\n      ...ViewerSummary\n    }\n    organizations(first: 100) {\n      nodes {\n        ...OrganizationSummary\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyOrganizations {\n    viewer {\n      ...ViewerSummary\n    }\n    organizations(first: 100) {\n      nodes {\n        ...OrganizationSummary\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      ...OrganizationSummary\n    }\n  }\n"): (typeof documents)["\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      ...OrganizationSummary\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FirstScreen($organizationId: ID!, $remembered: Boolean!, $from: DateTime!) {\n    viewer {\n      ...ViewerSummary\n    }\n    organizations(first: 100) {\n      nodes {\n        ...OrganizationSummary\n      }\n    }\n    organization(id: $organizationId) @include(if: $remembered) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        ...DashboardCounters\n      }\n    }\n    firstOrganization: organizations(first: 1) @skip(if: $remembered) {\n      nodes {\n        id\n        activity(from: $from, bucket: HOUR) {\n          ...DashboardCounters\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query FirstScreen($organizationId: ID!, $remembered: Boolean!, $from: DateTime!) {\n    viewer {\n      ...ViewerSummary\n    }\n    organizations(first: 100) {\n      nodes {\n        ...OrganizationSummary\n      }\n    }\n    organization(id: $organizationId) @include(if: $remembered) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        ...DashboardCounters\n      }\n    }\n    firstOrganization: organizations(first: 1) @skip(if: $remembered) {\n      nodes {\n        id\n        activity(from: $from, bucket: HOUR) {\n          ...DashboardCounters\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrganizationRuns($organizationId: ID!, $first: Int!, $after: String, $filter: OrganizationWorkflowRunFilter) {\n    organization(id: $organizationId) {\n      id\n      workflows(first: 100) {\n        nodes {\n          id\n          name\n        }\n      }\n      workflowRuns(first: $first, after: $after, filter: $filter) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          state\n          status\n          createdAt\n          updatedAt\n          definition {\n            id\n            name\n          }\n          startedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query OrganizationRuns($organizationId: ID!, $first: Int!, $after: String, $filter: OrganizationWorkflowRunFilter) {\n    organization(id: $organizationId) {\n      id\n      workflows(first: 100) {\n        nodes {\n          id\n          name\n        }\n      }\n      workflowRuns(first: $first, after: $after, filter: $filter) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          id\n          state\n          status\n          createdAt\n          updatedAt\n          definition {\n            id\n            name\n          }\n          startedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Search($organizationId: ID!, $query: String!, $types: [SearchType!], $first: Int = 20, $after: String) {\n    search(organizationId: $organizationId, query: $query, types: $types, first: $first, after: $after) {\n      totalCount\n      facets {\n        type\n        count\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        highlights {\n          field\n          text\n          matches {\n            start\n            length\n          }\n        }\n        node {\n          __typename\n          ... on User {\n            id\n            name\n          }\n          ... on WorkflowDefinition {\n            id\n            name\n          }\n          ... on WorkflowRun {\n            id\n            state\n            definition {\n              id\n              name\n            }\n          }\n          ... on HumanTask {\n            id\n            title\n            run {\n              id\n            }\n          }\n          ... on File {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Search($organizationId: ID!, $query: String!, $types: [SearchType!], $first: Int = 20, $after: String) {\n    search(organizationId: $organizationId, query: $query, types: $types, first: $first, after: $after) {\n      totalCount\n      facets {\n        type\n        count\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        cursor\n        highlights {\n          field\n          text\n          matches {\n            start\n            length\n          }\n        }\n        node {\n          __typename\n          ... on User {\n            id\n            name\n          }\n          ... on WorkflowDefinition {\n            id\n            name\n          }\n          ... on WorkflowRun {\n            id\n            state\n            definition {\n              id\n              name\n            }\n          }\n          ... on HumanTask {\n            id\n            title\n            run {\n              id\n            }\n          }\n          ... on File {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment TaskFields on HumanTask {\n    id\n    title\n    state\n    status\n    viewerIsAssignee\n    assigneeRole\n    createdAt\n    assignee {\n      id\n      name\n    }\n    organization {\n      id\n    }\n    run {\n      id\n      state\n      status\n      definition {\n        id\n        name\n      }\n      availableTransitions {\n        name\n        from\n        to\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment TaskFields on HumanTask {\n    id\n    title\n    state\n    status\n    viewerIsAssignee\n    assigneeRole\n    createdAt\n    assignee {\n      id\n      name\n    }\n    organization {\n      id\n    }\n    run {\n      id\n      state\n      status\n      definition {\n        id\n        name\n      }\n      availableTransitions {\n        name\n        from\n        to\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyTasks($organizationId: ID!) {\n    myTasks(first: 100, filter: { organizationId: $organizationId, status: OPEN }) {\n      totalCount\n      nodes {\n        ...TaskFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyTasks($organizationId: ID!) {\n    myTasks(first: 100, filter: { organizationId: $organizationId, status: OPEN }) {\n      totalCount\n      nodes {\n        ...TaskFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MyTasksChanged($organizationId: ID!, $after: String) {\n    myTasksChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      at\n      task {\n        ...TaskFields\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription MyTasksChanged($organizationId: ID!, $after: String) {\n    myTasksChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      at\n      task {\n        ...TaskFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query HumanTask($id: ID!) {\n    humanTask(id: $id) {\n      ...TaskFields\n      completedAt\n      completedBy {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query HumanTask($id: ID!) {\n    humanTask(id: $id) {\n      ...TaskFields\n      completedAt\n      completedBy {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WorkflowDefinitions($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      workflows(first: 100) {\n        totalCount\n        nodes {\n          id\n          key\n          name\n          description\n          version\n          stats {\n            runsStarted\n            runsCompleted\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query WorkflowDefinitions($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      workflows(first: 100) {\n        totalCount\n        nodes {\n          id\n          key\n          name\n          description\n          version\n          stats {\n            runsStarted\n            runsCompleted\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWorkflowDefinition($input: CreateWorkflowDefinitionInput!) {\n    createWorkflowDefinition(input: $input) {\n      id\n      key\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation CreateWorkflowDefinition($input: CreateWorkflowDefinitionInput!) {\n    createWorkflowDefinition(input: $input) {\n      id\n      key\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WorkflowDefinition($id: ID!) {\n    workflowDefinition(id: $id) {\n      id\n      key\n      name\n      description\n      version\n      latestVersion {\n        version\n        initialState\n        states {\n          name\n          final\n        }\n        transitions {\n          name\n          from\n          to\n          allowedRoles\n        }\n      }\n      runs(first: 50) {\n        totalCount\n        nodes {\n          id\n          state\n          status\n          createdAt\n          startedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query WorkflowDefinition($id: ID!) {\n    workflowDefinition(id: $id) {\n      id\n      key\n      name\n      description\n      version\n      latestVersion {\n        version\n        initialState\n        states {\n          name\n          final\n        }\n        transitions {\n          name\n          from\n          to\n          allowedRoles\n        }\n      }\n      runs(first: 50) {\n        totalCount\n        nodes {\n          id\n          state\n          status\n          createdAt\n          startedBy {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartWorkflowRun($input: StartWorkflowRunInput!) {\n    startWorkflowRun(input: $input) {\n      id\n      state\n    }\n  }\n"): (typeof documents)["\n  mutation StartWorkflowRun($input: StartWorkflowRunInput!) {\n    startWorkflowRun(input: $input) {\n      id\n      state\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RunDetailFields on WorkflowRun {\n    id\n    state\n    status\n    createdAt\n    updatedAt\n    finishedAt\n    organization {\n      id\n    }\n    definition {\n      id\n      name\n    }\n    startedBy {\n      id\n      name\n    }\n    availableTransitions {\n      name\n      from\n      to\n    }\n    history(first: 100) {\n      nodes {\n        id\n        sequence\n        transition\n        from\n        to\n        comment\n        at\n        actor {\n          id\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment RunDetailFields on WorkflowRun {\n    id\n    state\n    status\n    createdAt\n    updatedAt\n    finishedAt\n    organization {\n      id\n    }\n    definition {\n      id\n      name\n    }\n    startedBy {\n      id\n      name\n    }\n    availableTransitions {\n      name\n      from\n      to\n    }\n    history(first: 100) {\n      nodes {\n        id\n        sequence\n        transition\n        from\n        to\n        comment\n        at\n        actor {\n          id\n          name\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WorkflowRun($id: ID!) {\n    workflowRun(id: $id) {\n      ...RunDetailFields\n    }\n  }\n"): (typeof documents)["\n  query WorkflowRun($id: ID!) {\n    workflowRun(id: $id) {\n      ...RunDetailFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription WorkflowRunUpdated($runId: ID!, $after: String) {\n    workflowRunUpdated(runId: $runId, after: $after) {\n      cursor\n      type\n      at\n      run {\n        ...RunDetailFields\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription WorkflowRunUpdated($runId: ID!, $after: String) {\n    workflowRunUpdated(runId: $runId, after: $after) {\n      cursor\n      type\n      at\n      run {\n        ...RunDetailFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TransitionWorkflowRun($input: TransitionWorkflowRunInput!) {\n    transitionWorkflowRun(input: $input) {\n      ...RunDetailFields\n    }\n  }\n"): (typeof documents)["\n  mutation TransitionWorkflowRun($input: TransitionWorkflowRunInput!) {\n    transitionWorkflowRun(input: $input) {\n      ...RunDetailFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription WorkflowRunsChanged($organizationId: ID!, $after: String) {\n    workflowRunsChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      at\n      run {\n        id\n        state\n        status\n        startedBy {\n          id\n        }\n        definition {\n          id\n          name\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription WorkflowRunsChanged($organizationId: ID!, $after: String) {\n    workflowRunsChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      at\n      run {\n        id\n        state\n        status\n        startedBy {\n          id\n        }\n        definition {\n          id\n          name\n        }\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;
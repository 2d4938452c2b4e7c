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
    "\n  query Dashboard($organizationId: ID!, $from: DateTime!) {\n    organization(id: $organizationId) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        activeUsers\n        eventCount\n        totals {\n          type\n          count\n        }\n      }\n    }\n  }\n": typeof types.DashboardDocument,
    "\n  subscription LiveMetrics($organizationId: ID!, $windowSeconds: Int!, $after: String) {\n    liveMetrics(organizationId: $organizationId, windowSeconds: $windowSeconds, after: $after) {\n      cursor\n      at\n      total\n      counts {\n        type\n        count\n      }\n    }\n  }\n": typeof types.LiveMetricsDocument,
    "\n  mutation IngestEvents($input: IngestEventsInput!) {\n    ingestEvents(input: $input) {\n      accepted\n    }\n  }\n": typeof types.IngestEventsDocument,
    "\n  fragment AuthFields on AuthPayload {\n    accessToken\n    expiresAt\n    refreshToken\n    deviceToken\n    user {\n      id\n      name\n      email\n    }\n  }\n": typeof types.AuthFieldsFragmentDoc,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      ...AuthFields\n    }\n  }\n": typeof types.SignInDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n": typeof types.RefreshSessionDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": typeof types.SignOutDocument,
    "\n  mutation SignOutEverywhere {\n    signOutEverywhere\n  }\n": typeof types.SignOutEverywhereDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...AuthFields\n    }\n  }\n": typeof types.SignUpDocument,
    "\n  query RunFiles($id: ID!) {\n    workflowRun(id: $id) {\n      id\n      files(first: 50) {\n        totalCount\n        nodes {\n          id\n          name\n          contentType\n          size\n          createdAt\n          owner {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.RunFilesDocument,
    "\n  query FileContent($id: ID!) {\n    file(id: $id) {\n      id\n      name\n      contentType\n      contentBase64\n    }\n  }\n": typeof types.FileContentDocument,
    "\n  query Files($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      files(first: 100) {\n        totalCount\n        nodes {\n          id\n          name\n          contentType\n          size\n          createdAt\n          owner {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": typeof types.FilesDocument,
    "\n  mutation UploadFile($input: UploadFileInput!) {\n    uploadFile(input: $input) {\n      id\n      name\n    }\n  }\n": typeof types.UploadFileDocument,
    "\n  query MyOrganizations {\n    viewer {\n      id\n      name\n      email\n    }\n    organizations(first: 100) {\n      nodes {\n        id\n        name\n        slug\n        viewerRole\n      }\n    }\n  }\n": typeof types.MyOrganizationsDocument,
    "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      id\n      name\n      slug\n      viewerRole\n    }\n  }\n": typeof types.CreateOrganizationDocument,
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
    "\n  query Dashboard($organizationId: ID!, $from: DateTime!) {\n    organization(id: $organizationId) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        activeUsers\n        eventCount\n        totals {\n          type\n          count\n        }\n      }\n    }\n  }\n": types.DashboardDocument,
    "\n  subscription LiveMetrics($organizationId: ID!, $windowSeconds: Int!, $after: String) {\n    liveMetrics(organizationId: $organizationId, windowSeconds: $windowSeconds, after: $after) {\n      cursor\n      at\n      total\n      counts {\n        type\n        count\n      }\n    }\n  }\n": types.LiveMetricsDocument,
    "\n  mutation IngestEvents($input: IngestEventsInput!) {\n    ingestEvents(input: $input) {\n      accepted\n    }\n  }\n": types.IngestEventsDocument,
    "\n  fragment AuthFields on AuthPayload {\n    accessToken\n    expiresAt\n    refreshToken\n    deviceToken\n    user {\n      id\n      name\n      email\n    }\n  }\n": types.AuthFieldsFragmentDoc,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      ...AuthFields\n    }\n  }\n": types.SignInDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n": types.RefreshSessionDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": types.SignOutDocument,
    "\n  mutation SignOutEverywhere {\n    signOutEverywhere\n  }\n": types.SignOutEverywhereDocument,
    "\n  mutation SignUp($input: SignUpInput!) {\n    signUp(input: $input) {\n      ...AuthFields\n    }\n  }\n": types.SignUpDocument,
    "\n  query RunFiles($id: ID!) {\n    workflowRun(id: $id) {\n      id\n      files(first: 50) {\n        totalCount\n        nodes {\n          id\n          name\n          contentType\n          size\n          createdAt\n          owner {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": types.RunFilesDocument,
    "\n  query FileContent($id: ID!) {\n    file(id: $id) {\n      id\n      name\n      contentType\n      contentBase64\n    }\n  }\n": types.FileContentDocument,
    "\n  query Files($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      files(first: 100) {\n        totalCount\n        nodes {\n          id\n          name\n          contentType\n          size\n          createdAt\n          owner {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n": types.FilesDocument,
    "\n  mutation UploadFile($input: UploadFileInput!) {\n    uploadFile(input: $input) {\n      id\n      name\n    }\n  }\n": types.UploadFileDocument,
    "\n  query MyOrganizations {\n    viewer {\n      id\n      name\n      email\n    }\n    organizations(first: 100) {\n      nodes {\n        id\n        name\n        slug\n        viewerRole\n      }\n    }\n  }\n": types.MyOrganizationsDocument,
    "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      id\n      name\n      slug\n      viewerRole\n    }\n  }\n": types.CreateOrganizationDocument,
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
export function graphql(source: "\n  query Dashboard($organizationId: ID!, $from: DateTime!) {\n    organization(id: $organizationId) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        activeUsers\n        eventCount\n        totals {\n          type\n          count\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Dashboard($organizationId: ID!, $from: DateTime!) {\n    organization(id: $organizationId) {\n      id\n      activity(from: $from, bucket: HOUR) {\n        activeUsers\n        eventCount\n        totals {\n          type\n          count\n        }\n      }\n    }\n  }\n"];
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
export function graphql(source: "\n  query RunFiles($id: ID!) {\n    workflowRun(id: $id) {\n      id\n      files(first: 50) {\n        totalCount\n        nodes {\n          id\n          name\n          contentType\n          size\n          createdAt\n          owner {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RunFiles($id: ID!) {\n    workflowRun(id: $id) {\n      id\n      files(first: 50) {\n        totalCount\n        nodes {\n          id\n          name\n          contentType\n          size\n          createdAt\n          owner {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FileContent($id: ID!) {\n    file(id: $id) {\n      id\n      name\n      contentType\n      contentBase64\n    }\n  }\n"): (typeof documents)["\n  query FileContent($id: ID!) {\n    file(id: $id) {\n      id\n      name\n      contentType\n      contentBase64\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Files($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      files(first: 100) {\n        totalCount\n        nodes {\n          id\n          name\n          contentType\n          size\n          createdAt\n          owner {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Files($organizationId: ID!) {\n    organization(id: $organizationId) {\n      id\n      files(first: 100) {\n        totalCount\n        nodes {\n          id\n          name\n          contentType\n          size\n          createdAt\n          owner {\n            id\n            name\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UploadFile($input: UploadFileInput!) {\n    uploadFile(input: $input) {\n      id\n      name\n    }\n  }\n"): (typeof documents)["\n  mutation UploadFile($input: UploadFileInput!) {\n    uploadFile(input: $input) {\n      id\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyOrganizations {\n    viewer {\n      id\n      name\n      email\n    }\n    organizations(first: 100) {\n      nodes {\n        id\n        name\n        slug\n        viewerRole\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyOrganizations {\n    viewer {\n      id\n      name\n      email\n    }\n    organizations(first: 100) {\n      nodes {\n        id\n        name\n        slug\n        viewerRole\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      id\n      name\n      slug\n      viewerRole\n    }\n  }\n"): (typeof documents)["\n  mutation CreateOrganization($input: CreateOrganizationInput!) {\n    createOrganization(input: $input) {\n      id\n      name\n      slug\n      viewerRole\n    }\n  }\n"];
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
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
    "\n  fragment AuthFields on AuthPayload {\n    accessToken\n    expiresAt\n    refreshToken\n    deviceToken\n    user {\n      id\n      name\n      email\n    }\n  }\n": typeof types.AuthFieldsFragmentDoc,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      ...AuthFields\n    }\n  }\n": typeof types.SignInDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n": typeof types.RefreshSessionDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": typeof types.SignOutDocument,
    "\n  mutation SignOutEverywhere {\n    signOutEverywhere\n  }\n": typeof types.SignOutEverywhereDocument,
    "\n  query MyOrganizations {\n    viewer {\n      id\n      name\n      email\n    }\n    organizations(first: 100) {\n      nodes {\n        id\n        name\n        slug\n        viewerRole\n      }\n    }\n  }\n": typeof types.MyOrganizationsDocument,
    "\n  fragment TaskFields on HumanTask {\n    id\n    title\n    state\n    status\n    viewerIsAssignee\n    assigneeRole\n    createdAt\n    assignee {\n      id\n      name\n    }\n    organization {\n      id\n    }\n    run {\n      id\n      state\n      status\n      definition {\n        id\n        name\n      }\n      availableTransitions {\n        name\n        from\n        to\n      }\n    }\n  }\n": typeof types.TaskFieldsFragmentDoc,
    "\n  query MyTasks($organizationId: ID!) {\n    myTasks(first: 100, filter: { organizationId: $organizationId, status: OPEN }) {\n      totalCount\n      nodes {\n        ...TaskFields\n      }\n    }\n  }\n": typeof types.MyTasksDocument,
    "\n  subscription MyTasksChanged($organizationId: ID!, $after: String) {\n    myTasksChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      at\n      task {\n        ...TaskFields\n      }\n    }\n  }\n": typeof types.MyTasksChangedDocument,
    "\n  query HumanTask($id: ID!) {\n    humanTask(id: $id) {\n      ...TaskFields\n      completedAt\n      completedBy {\n        id\n        name\n      }\n    }\n  }\n": typeof types.HumanTaskDocument,
    "\n  fragment RunDetailFields on WorkflowRun {\n    id\n    state\n    status\n    createdAt\n    updatedAt\n    finishedAt\n    organization {\n      id\n    }\n    definition {\n      id\n      name\n    }\n    startedBy {\n      id\n      name\n    }\n    availableTransitions {\n      name\n      from\n      to\n    }\n    history(first: 100) {\n      nodes {\n        id\n        sequence\n        transition\n        from\n        to\n        comment\n        at\n        actor {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.RunDetailFieldsFragmentDoc,
    "\n  query WorkflowRun($id: ID!) {\n    workflowRun(id: $id) {\n      ...RunDetailFields\n    }\n  }\n": typeof types.WorkflowRunDocument,
    "\n  subscription WorkflowRunUpdated($runId: ID!, $after: String) {\n    workflowRunUpdated(runId: $runId, after: $after) {\n      cursor\n      type\n      at\n      run {\n        ...RunDetailFields\n      }\n    }\n  }\n": typeof types.WorkflowRunUpdatedDocument,
    "\n  mutation TransitionWorkflowRun($input: TransitionWorkflowRunInput!) {\n    transitionWorkflowRun(input: $input) {\n      ...RunDetailFields\n    }\n  }\n": typeof types.TransitionWorkflowRunDocument,
    "\n  subscription WorkflowRunsChanged($organizationId: ID!, $after: String) {\n    workflowRunsChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      at\n      run {\n        id\n        state\n        status\n        startedBy {\n          id\n        }\n        definition {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.WorkflowRunsChangedDocument,
    "\n  query RunFiles($id: ID!) {\n    workflowRun(id: $id) {\n      id\n      files(first: 50) {\n        totalCount\n        nodes {\n          id\n          name\n          contentType\n          size\n          createdAt\n        }\n      }\n    }\n  }\n": typeof types.RunFilesDocument,
    "\n  query FileContent($id: ID!) {\n    file(id: $id) {\n      id\n      name\n      contentType\n      contentBase64\n    }\n  }\n": typeof types.FileContentDocument,
};
const documents: Documents = {
    "\n  fragment AuthFields on AuthPayload {\n    accessToken\n    expiresAt\n    refreshToken\n    deviceToken\n    user {\n      id\n      name\n      email\n    }\n  }\n": types.AuthFieldsFragmentDoc,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      ...AuthFields\n    }\n  }\n": types.SignInDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      ...AuthFields\n    }\n  }\n": types.RefreshSessionDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": types.SignOutDocument,
    "\n  mutation SignOutEverywhere {\n    signOutEverywhere\n  }\n": types.SignOutEverywhereDocument,
    "\n  query MyOrganizations {\n    viewer {\n      id\n      name\n      email\n    }\n    organizations(first: 100) {\n      nodes {\n        id\n        name\n        slug\n        viewerRole\n      }\n    }\n  }\n": types.MyOrganizationsDocument,
    "\n  fragment TaskFields on HumanTask {\n    id\n    title\n    state\n    status\n    viewerIsAssignee\n    assigneeRole\n    createdAt\n    assignee {\n      id\n      name\n    }\n    organization {\n      id\n    }\n    run {\n      id\n      state\n      status\n      definition {\n        id\n        name\n      }\n      availableTransitions {\n        name\n        from\n        to\n      }\n    }\n  }\n": types.TaskFieldsFragmentDoc,
    "\n  query MyTasks($organizationId: ID!) {\n    myTasks(first: 100, filter: { organizationId: $organizationId, status: OPEN }) {\n      totalCount\n      nodes {\n        ...TaskFields\n      }\n    }\n  }\n": types.MyTasksDocument,
    "\n  subscription MyTasksChanged($organizationId: ID!, $after: String) {\n    myTasksChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      at\n      task {\n        ...TaskFields\n      }\n    }\n  }\n": types.MyTasksChangedDocument,
    "\n  query HumanTask($id: ID!) {\n    humanTask(id: $id) {\n      ...TaskFields\n      completedAt\n      completedBy {\n        id\n        name\n      }\n    }\n  }\n": types.HumanTaskDocument,
    "\n  fragment RunDetailFields on WorkflowRun {\n    id\n    state\n    status\n    createdAt\n    updatedAt\n    finishedAt\n    organization {\n      id\n    }\n    definition {\n      id\n      name\n    }\n    startedBy {\n      id\n      name\n    }\n    availableTransitions {\n      name\n      from\n      to\n    }\n    history(first: 100) {\n      nodes {\n        id\n        sequence\n        transition\n        from\n        to\n        comment\n        at\n        actor {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.RunDetailFieldsFragmentDoc,
    "\n  query WorkflowRun($id: ID!) {\n    workflowRun(id: $id) {\n      ...RunDetailFields\n    }\n  }\n": types.WorkflowRunDocument,
    "\n  subscription WorkflowRunUpdated($runId: ID!, $after: String) {\n    workflowRunUpdated(runId: $runId, after: $after) {\n      cursor\n      type\n      at\n      run {\n        ...RunDetailFields\n      }\n    }\n  }\n": types.WorkflowRunUpdatedDocument,
    "\n  mutation TransitionWorkflowRun($input: TransitionWorkflowRunInput!) {\n    transitionWorkflowRun(input: $input) {\n      ...RunDetailFields\n    }\n  }\n": types.TransitionWorkflowRunDocument,
    "\n  subscription WorkflowRunsChanged($organizationId: ID!, $after: String) {\n    workflowRunsChanged(organizationId: $organizationId, after: $after) {\n      cursor\n      type\n      at\n      run {\n        id\n        state\n        status\n        startedBy {\n          id\n        }\n        definition {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.WorkflowRunsChangedDocument,
    "\n  query RunFiles($id: ID!) {\n    workflowRun(id: $id) {\n      id\n      files(first: 50) {\n        totalCount\n        nodes {\n          id\n          name\n          contentType\n          size\n          createdAt\n        }\n      }\n    }\n  }\n": types.RunFilesDocument,
    "\n  query FileContent($id: ID!) {\n    file(id: $id) {\n      id\n      name\n      contentType\n      contentBase64\n    }\n  }\n": types.FileContentDocument,
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
export function graphql(source: "\n  query MyOrganizations {\n    viewer {\n      id\n      name\n      email\n    }\n    organizations(first: 100) {\n      nodes {\n        id\n        name\n        slug\n        viewerRole\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyOrganizations {\n    viewer {\n      id\n      name\n      email\n    }\n    organizations(first: 100) {\n      nodes {\n        id\n        name\n        slug\n        viewerRole\n      }\n    }\n  }\n"];
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
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RunFiles($id: ID!) {\n    workflowRun(id: $id) {\n      id\n      files(first: 50) {\n        totalCount\n        nodes {\n          id\n          name\n          contentType\n          size\n          createdAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RunFiles($id: ID!) {\n    workflowRun(id: $id) {\n      id\n      files(first: 50) {\n        totalCount\n        nodes {\n          id\n          name\n          contentType\n          size\n          createdAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FileContent($id: ID!) {\n    file(id: $id) {\n      id\n      name\n      contentType\n      contentBase64\n    }\n  }\n"): (typeof documents)["\n  query FileContent($id: ID!) {\n    file(id: $id) {\n      id\n      name\n      contentType\n      contentBase64\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;
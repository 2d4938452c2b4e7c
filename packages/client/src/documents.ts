import { graphql } from './gql';

/** The operations the mobile app sends; typed by graphql-codegen into ./gql (npm run generate). */

export const AuthFields = graphql(`
  fragment AuthFields on AuthPayload {
    accessToken
    expiresAt
    refreshToken
    deviceToken
    user {
      id
      name
      email
    }
  }
`);

export const SignInDocument = graphql(`
  mutation SignIn($input: SignInInput!) {
    signIn(input: $input) {
      ...AuthFields
    }
  }
`);

export const RefreshSessionDocument = graphql(`
  mutation RefreshSession($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) {
      ...AuthFields
    }
  }
`);

export const SignOutDocument = graphql(`
  mutation SignOut {
    signOut
  }
`);

export const SignOutEverywhereDocument = graphql(`
  mutation SignOutEverywhere {
    signOutEverywhere
  }
`);

export const MyOrganizationsDocument = graphql(`
  query MyOrganizations {
    viewer {
      id
      name
      email
    }
    organizations(first: 100) {
      nodes {
        id
        name
        slug
        viewerRole
      }
    }
  }
`);

export const TaskFields = graphql(`
  fragment TaskFields on HumanTask {
    id
    title
    state
    status
    viewerIsAssignee
    assigneeRole
    createdAt
    assignee {
      id
      name
    }
    organization {
      id
    }
    run {
      id
      state
      status
      definition {
        id
        name
      }
      availableTransitions {
        name
        from
        to
      }
    }
  }
`);

/** The inbox: open tasks of one organization assigned to the viewer or their role, newest first. */
export const MyTasksDocument = graphql(`
  query MyTasks($organizationId: ID!) {
    myTasks(first: 100, filter: { organizationId: $organizationId, status: OPEN }) {
      totalCount
      nodes {
        ...TaskFields
      }
    }
  }
`);

export const MyTasksChangedDocument = graphql(`
  subscription MyTasksChanged($organizationId: ID!, $after: String) {
    myTasksChanged(organizationId: $organizationId, after: $after) {
      cursor
      type
      at
      task {
        ...TaskFields
      }
    }
  }
`);

export const HumanTaskDocument = graphql(`
  query HumanTask($id: ID!) {
    humanTask(id: $id) {
      ...TaskFields
      completedAt
      completedBy {
        id
        name
      }
    }
  }
`);

export const RunDetailFields = graphql(`
  fragment RunDetailFields on WorkflowRun {
    id
    state
    status
    createdAt
    updatedAt
    finishedAt
    organization {
      id
    }
    definition {
      id
      name
    }
    startedBy {
      id
      name
    }
    availableTransitions {
      name
      from
      to
    }
    history(first: 100) {
      nodes {
        id
        sequence
        transition
        from
        to
        comment
        at
        actor {
          id
          name
        }
      }
    }
  }
`);

export const WorkflowRunDocument = graphql(`
  query WorkflowRun($id: ID!) {
    workflowRun(id: $id) {
      ...RunDetailFields
    }
  }
`);

export const WorkflowRunUpdatedDocument = graphql(`
  subscription WorkflowRunUpdated($runId: ID!, $after: String) {
    workflowRunUpdated(runId: $runId, after: $after) {
      cursor
      type
      at
      run {
        ...RunDetailFields
      }
    }
  }
`);

export const TransitionWorkflowRunDocument = graphql(`
  mutation TransitionWorkflowRun($input: TransitionWorkflowRunInput!) {
    transitionWorkflowRun(input: $input) {
      ...RunDetailFields
    }
  }
`);

/** Runs started, moved, completed or cancelled in the organization: the inbox tells a starter when theirs finished. */
export const WorkflowRunsChangedDocument = graphql(`
  subscription WorkflowRunsChanged($organizationId: ID!, $after: String) {
    workflowRunsChanged(organizationId: $organizationId, after: $after) {
      cursor
      type
      at
      run {
        id
        state
        status
        startedBy {
          id
        }
        definition {
          id
          name
        }
      }
    }
  }
`);

/** Files attached to a run (read apart from the run: its live events need not carry them). */
export const RunFilesDocument = graphql(`
  query RunFiles($id: ID!) {
    workflowRun(id: $id) {
      id
      files(first: 50) {
        totalCount
        nodes {
          id
          name
          contentType
          size
          createdAt
        }
      }
    }
  }
`);

/** A file's bytes, to open or share it (read when asked for, never cached with the list). */
export const FileContentDocument = graphql(`
  query FileContent($id: ID!) {
    file(id: $id) {
      id
      name
      contentType
      contentBase64
    }
  }
`);

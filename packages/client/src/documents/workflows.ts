import { graphql } from '../gql';

export const WorkflowDefinitionsDocument = graphql(`
  query WorkflowDefinitions($organizationId: ID!) {
    organization(id: $organizationId) {
      id
      workflows(first: 100) {
        totalCount
        nodes {
          id
          key
          name
          description
          version
          stats {
            runsStarted
            runsCompleted
          }
        }
      }
    }
  }
`);

export const CreateWorkflowDefinitionDocument = graphql(`
  mutation CreateWorkflowDefinition($input: CreateWorkflowDefinitionInput!) {
    createWorkflowDefinition(input: $input) {
      id
      key
      name
    }
  }
`);

export const WorkflowDefinitionDocument = graphql(`
  query WorkflowDefinition($id: ID!) {
    workflowDefinition(id: $id) {
      id
      key
      name
      description
      version
      latestVersion {
        version
        initialState
        states {
          name
          final
        }
        transitions {
          name
          from
          to
          allowedRoles
        }
      }
      runs(first: 50) {
        totalCount
        nodes {
          id
          state
          status
          createdAt
          startedBy {
            id
            name
          }
        }
      }
    }
  }
`);

export const StartWorkflowRunDocument = graphql(`
  mutation StartWorkflowRun($input: StartWorkflowRunInput!) {
    startWorkflowRun(input: $input) {
      id
      state
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


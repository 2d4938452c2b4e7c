import { graphql } from '../gql';

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


import { graphql } from '../gql';

/** An organization's runs, filtered and paged by cursor (the API's connection). */
export const OrganizationRunsDocument = graphql(`
  query OrganizationRuns($organizationId: ID!, $first: Int!, $after: String, $filter: OrganizationWorkflowRunFilter) {
    organization(id: $organizationId) {
      id
      workflows(first: 100) {
        nodes {
          id
          name
        }
      }
      workflowRuns(first: $first, after: $after, filter: $filter) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          id
          state
          status
          createdAt
          updatedAt
          definition {
            id
            name
          }
          startedBy {
            id
            name
          }
        }
      }
    }
  }
`);

import { graphql } from '../gql';

/**
 * Search in one organization (issue 15): each hit with what it is, its name and where it matched,
 * the counts by type (before `types` filters), and a cursor for the next page.
 */
export const SearchDocument = graphql(`
  query Search($organizationId: ID!, $query: String!, $types: [SearchType!], $first: Int = 20, $after: String) {
    search(organizationId: $organizationId, query: $query, types: $types, first: $first, after: $after) {
      totalCount
      facets {
        type
        count
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        highlights {
          field
          text
          matches {
            start
            length
          }
        }
        node {
          __typename
          ... on User {
            id
            name
          }
          ... on WorkflowDefinition {
            id
            name
          }
          ... on WorkflowRun {
            id
            state
            definition {
              id
              name
            }
          }
          ... on HumanTask {
            id
            title
            run {
              id
            }
          }
          ... on File {
            id
            name
          }
        }
      }
    }
  }
`);

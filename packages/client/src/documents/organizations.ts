import { graphql } from '../gql';

/** Who is signed in, as the app's shell shows them. */
export const ViewerSummaryFragment = graphql(`
  fragment ViewerSummary on User {
    id
    name
    email
  }
`);

/** An organization as the organization switcher lists it. */
export const OrganizationSummaryFragment = graphql(`
  fragment OrganizationSummary on Organization {
    id
    name
    slug
    viewerRole
  }
`);

export const MyOrganizationsDocument = graphql(`
  query MyOrganizations {
    viewer {
      ...ViewerSummary
    }
    organizations(first: 100) {
      nodes {
        ...OrganizationSummary
      }
    }
  }
`);

export const CreateOrganizationDocument = graphql(`
  mutation CreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      ...OrganizationSummary
    }
  }
`);

/**
 * The web app's first screen in one request: the organizations (as MyOrganizations reads them)
 * and the dashboard's counters (as Dashboard reads them, the same fragments) of the remembered organization, or of the
 * first one by name when none is remembered (the one the app opens). Sent by the page's boot script
 * (web/boot-plugin.ts, inlined in the built index.html) as soon as the session's refresh answers, while the JavaScript still downloads;
 * the app writes the answer into its cache as those two queries' results.
 */
export const FirstScreenDocument = graphql(`
  query FirstScreen($organizationId: ID!, $remembered: Boolean!, $from: DateTime!) {
    viewer {
      ...ViewerSummary
    }
    organizations(first: 100) {
      nodes {
        ...OrganizationSummary
      }
    }
    organization(id: $organizationId) @include(if: $remembered) {
      id
      activity(from: $from, bucket: HOUR) {
        ...DashboardCounters
      }
    }
    firstOrganization: organizations(first: 1) @skip(if: $remembered) {
      nodes {
        id
        activity(from: $from, bucket: HOUR) {
          ...DashboardCounters
        }
      }
    }
  }
`);

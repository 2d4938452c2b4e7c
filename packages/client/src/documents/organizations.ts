import { graphql } from '../gql';

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

export const CreateOrganizationDocument = graphql(`
  mutation CreateOrganization($input: CreateOrganizationInput!) {
    createOrganization(input: $input) {
      id
      name
      slug
      viewerRole
    }
  }
`);

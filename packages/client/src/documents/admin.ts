import { graphql } from '../gql';

/** An organization's administration (owners and admins): members, invitations, API keys, allow-list, audit log. */

/**
 * One page of an organization's members in the order they joined (a newcomer is last, so the live
 * list can add them at its end once every page is loaded); `after` for the next page, `search`
 * a case-insensitive part of a name (or email: owners and admins only), at most 100 characters.
 */
export const MembersDocument = graphql(`
  query Members($organizationId: ID!, $after: String, $search: String) {
    organization(id: $organizationId) {
      id
      viewerRole
      members(first: 50, after: $after, filter: { search: $search }) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          id
          role
          joinedAt
          user {
            id
            name
            email
          }
        }
      }
    }
  }
`);

/** Joins, role changes and removals in one organization, for the members list while it is open. */
export const MembershipChangedDocument = graphql(`
  subscription MembershipChanged($organizationId: ID!, $after: String) {
    membershipChanged(organizationId: $organizationId, after: $after) {
      cursor
      type
      userId
      role
      member {
        id
        role
        joinedAt
        user {
          id
          name
          email
        }
      }
    }
  }
`);

export const ChangeMemberRoleDocument = graphql(`
  mutation ChangeMemberRole($input: ChangeMemberRoleInput!) {
    changeMemberRole(input: $input) {
      id
      role
    }
  }
`);

export const RemoveMemberDocument = graphql(`
  mutation RemoveMember($input: RemoveMemberInput!) {
    removeMember(input: $input) {
      removedUserId
    }
  }
`);

export const InvitationsDocument = graphql(`
  query Invitations($organizationId: ID!, $status: InvitationStatus) {
    organization(id: $organizationId) {
      id
      invitations(first: 100, status: $status) {
        totalCount
        nodes {
          id
          email
          role
          status
          createdAt
          expiresAt
          invitedBy {
            id
            name
          }
        }
      }
    }
  }
`);

export const InviteMemberDocument = graphql(`
  mutation InviteMember($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      token
      invitation {
        id
        email
        role
        status
      }
    }
  }
`);

export const RevokeInvitationDocument = graphql(`
  mutation RevokeInvitation($id: ID!) {
    revokeInvitation(id: $id) {
      id
      status
    }
  }
`);

/** The invitee's side: the token from the invitation link. */
export const AcceptInvitationDocument = graphql(`
  mutation AcceptInvitation($token: String!) {
    acceptInvitation(token: $token) {
      id
      role
      organization {
        id
        name
        slug
        viewerRole
      }
    }
  }
`);

export const ApiKeysDocument = graphql(`
  query ApiKeys($organizationId: ID!) {
    organization(id: $organizationId) {
      id
      apiKeys(first: 100) {
        totalCount
        nodes {
          id
          name
          role
          prefix
          ipAllowList
          createdAt
          expiresAt
          lastUsedAt
          revokedAt
          createdBy {
            id
            name
          }
        }
      }
    }
  }
`);

export const CreateApiKeyDocument = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      secret
      apiKey {
        id
        name
        role
        prefix
      }
    }
  }
`);

export const RevokeApiKeyDocument = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      revokedAt
    }
  }
`);

export const IpAllowListDocument = graphql(`
  query IpAllowList($organizationId: ID!) {
    organization(id: $organizationId) {
      id
      ipAllowList
    }
  }
`);

export const SetIpAllowListDocument = graphql(`
  mutation SetIpAllowList($input: SetOrganizationIpAllowListInput!) {
    setOrganizationIpAllowList(input: $input) {
      id
      ipAllowList
    }
  }
`);

export const AuditLogDocument = graphql(`
  query AuditLog($organizationId: ID!, $first: Int!, $after: String, $filter: AuditLogFilter) {
    organization(id: $organizationId) {
      id
      auditLog(first: $first, after: $after, filter: $filter) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          id
          type
          occurredAt
          ipAddress
          userId
          details
          actor {
            id
            name
          }
        }
      }
    }
  }
`);

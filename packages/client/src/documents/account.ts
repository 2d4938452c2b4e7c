import { graphql } from '../gql';

/** The signed-in person's own account: sessions, second factor, password, linked logins. */

export const AccountDocument = graphql(`
  query Account {
    viewer {
      id
      name
      email
      twoFactorEnabled
      sessions(first: 50) {
        nodes {
          id
          createdAt
          lastSeenAt
          ipAddress
          userAgent
          current
          revokedAt
        }
      }
      linkedIdentities {
        id
        provider
        email
        createdAt
        lastSignInAt
      }
    }
  }
`);

export const RevokeSessionDocument = graphql(`
  mutation RevokeSession($id: ID!) {
    revokeSession(id: $id) {
      id
      revokedAt
    }
  }
`);

export const EnrollTotpDocument = graphql(`
  mutation EnrollTotp {
    enrollTotp {
      secret
      otpauthUri
    }
  }
`);

export const ConfirmTotpDocument = graphql(`
  mutation ConfirmTotp($code: String!) {
    confirmTotp(code: $code) {
      recoveryCodes
    }
  }
`);

export const DisableTotpDocument = graphql(`
  mutation DisableTotp {
    disableTotp
  }
`);

export const RegenerateRecoveryCodesDocument = graphql(`
  mutation RegenerateRecoveryCodes {
    regenerateRecoveryCodes
  }
`);

export const ChangePasswordDocument = graphql(`
  mutation ChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input)
  }
`);

export const BeginOidcLinkDocument = graphql(`
  mutation BeginOidcLink($provider: ID!, $redirectUri: String!) {
    beginOidcLink(provider: $provider, redirectUri: $redirectUri) {
      authorizationUrl
      binding
    }
  }
`);

export const CompleteOidcLinkDocument = graphql(`
  mutation CompleteOidcLink($input: CompleteOidcSignInInput!) {
    completeOidcLink(input: $input) {
      id
      provider
      email
    }
  }
`);

export const UnlinkOidcIdentityDocument = graphql(`
  mutation UnlinkOidcIdentity($id: ID!) {
    unlinkOidcIdentity(id: $id)
  }
`);

/** Signing in through a provider, before any session (src/session.ts sends these outside Apollo). */
export const OidcProvidersDocument = graphql(`
  query OidcProviders {
    oidcProviders {
      id
      name
    }
  }
`);

export const BeginOidcSignInDocument = graphql(`
  mutation BeginOidcSignIn($provider: ID!, $redirectUri: String!) {
    beginOidcSignIn(provider: $provider, redirectUri: $redirectUri) {
      authorizationUrl
      binding
    }
  }
`);

export const CompleteOidcSignInDocument = graphql(`
  mutation CompleteOidcSignIn($input: CompleteOidcSignInInput!) {
    completeOidcSignIn(input: $input) {
      ...AuthFields
    }
  }
`);

/** Step-up: proves the second factor again in this session before disabling it or replacing recovery codes. */
export const VerifySecondFactorDocument = graphql(`
  mutation VerifySecondFactor($input: SecondFactorInput!) {
    verifySecondFactor(input: $input) {
      expiresAt
    }
  }
`);

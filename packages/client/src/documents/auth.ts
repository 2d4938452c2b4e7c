import { graphql } from '../gql';

/** Signing up, in and out, and the refresh that keeps a session (src/session.ts sends these outside Apollo). */

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

/** With SIGN_UP_VERIFICATION on the answer is null: the account exists once the mailed link comes back. */
export const SignUpDocument = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      ...AuthFields
    }
  }
`);

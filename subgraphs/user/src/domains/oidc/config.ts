import { z } from '@organoise/core';

/**
 * One OpenID Connect provider, as configured in OIDC_PROVIDERS (a JSON array of these). Endpoints
 * and keys come from the issuer's discovery document, so only the issuer and the client are set.
 */
export const OidcProviderSettings = z
  .object({
    /** Stable id used in the API and stored with each linked identity: renaming it unlinks everyone. */
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, { message: 'must be 1-32 lower-case letters, digits, _ or -' }),
    /** Shown on the sign-in button (default: the id). */
    name: z.string().trim().min(1).max(60).optional(),
    issuer: z.string().url(),
    clientId: z.string().min(1),
    /** Without one, the client is public (PKCE alone protects the code exchange). */
    clientSecret: z.string().min(1).optional(),
    /** How the secret goes to the token endpoint (RFC 6749 makes basic the default). */
    tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
    scopes: z.array(z.string().regex(/^[\x21-\x7e]+$/)).min(1).default(['openid', 'email', 'profile']),
    /** The one redirect URI registered at the provider; sign-ins must use exactly this string. */
    redirectUri: z.string().url(),
    /** Lets the issuer be plain http: for a provider on this machine in development and tests only. */
    allowInsecureHttp: z.boolean().default(false),
  })
  .strict()
  .refine((p) => p.scopes.includes('openid'), { message: 'scopes must include openid', path: ['scopes'] })
  .refine((p) => p.allowInsecureHttp || new URL(p.issuer).protocol === 'https:', { message: 'must be https (allowInsecureHttp is for local development)', path: ['issuer'] });

export type OidcProviderConfig = z.output<typeof OidcProviderSettings>;
export type OidcProviderInput = z.input<typeof OidcProviderSettings>;

export const OidcProvidersSetting = z
  .array(OidcProviderSettings)
  .refine((list) => new Set(list.map((p) => p.id)).size === list.length, { message: 'provider ids must be unique' });

/** OIDC_PROVIDERS: JSON text (empty or unset means no provider) parsed and validated. */
export const oidcProvidersFromText = () =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (!text?.trim()) return [];
      try {
        return JSON.parse(text) as unknown;
      } catch {
        // The text may hold client secrets: the message never repeats it.
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array of providers' });
        return z.NEVER;
      }
    })
    .pipe(OidcProvidersSetting);

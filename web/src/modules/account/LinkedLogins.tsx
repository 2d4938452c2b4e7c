import { useMutation, useQuery } from '@apollo/client/react';
import { Button, List, ListItem, ListItemText, Stack, Typography } from '@mui/material';
import { AccountDocument, BeginOidcLinkDocument, OidcProvidersDocument, UnlinkOidcIdentityDocument, type AccountQuery } from '@organoise/client';
import { ActionError } from '../../ui/states';
import { goToProvider, redirectUriFor } from '../auth/oidc';

type Identity = NonNullable<AccountQuery['viewer']>['linkedIdentities'][number];

/** Provider accounts that sign in as this person: unlink one, or link another configured provider. */
export function LinkedLogins({ identities }: { identities: Identity[] }) {
  const providers = useQuery(OidcProvidersDocument);
  const [begin, beginning] = useMutation(BeginOidcLinkDocument);
  const [unlink, unlinking] = useMutation(UnlinkOidcIdentityDocument, { refetchQueries: [AccountDocument] });
  const names = new Map((providers.data?.oidcProviders ?? []).map((p) => [p.id, p.name]));
  const link = async (provider: string) => {
    const redirectUri = redirectUriFor(provider);
    const result = await begin({ variables: { provider, redirectUri } }).catch(() => null);
    if (result?.data) goToProvider({ mode: 'link', provider, binding: result.data.beginOidcLink.binding, redirectUri }, result.data.beginOidcLink.authorizationUrl);
  };
  return (
    <Stack spacing={2}>
      <ActionError error={beginning.error ?? unlinking.error} />
      {identities.length === 0 ? <Typography color="text.secondary">No provider accounts are linked.</Typography> : null}
      <List aria-label="Linked logins">
        {identities.map((identity) => (
          <ListItem
            key={identity.id}
            divider
            secondaryAction={
              <Button color="error" aria-label={`Unlink ${names.get(identity.provider) ?? identity.provider}`} disabled={unlinking.loading} onClick={() => void unlink({ variables: { id: identity.id } }).catch(() => {})}>
                Unlink
              </Button>
            }
          >
            <ListItemText primary={`${names.get(identity.provider) ?? identity.provider}${identity.email ? ` · ${identity.email}` : ''}`} secondary={`linked ${new Date(identity.createdAt).toLocaleDateString()} · last used ${new Date(identity.lastSignInAt).toLocaleString()}`} sx={{ pr: 10 }} />
          </ListItem>
        ))}
      </List>
      {(providers.data?.oidcProviders ?? []).length > 0 ? (
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1}>
          {providers.data!.oidcProviders.map((provider) => (
            <Button key={provider.id} variant="outlined" onClick={() => void link(provider.id)} disabled={beginning.loading}>
              Link {provider.name}
            </Button>
          ))}
        </Stack>
      ) : (
        <Typography color="text.secondary">No sign-in providers are configured for this platform.</Typography>
      )}
    </Stack>
  );
}

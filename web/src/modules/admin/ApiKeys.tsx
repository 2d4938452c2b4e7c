import { useMutation, useQuery } from '@apollo/client/react';
import { Alert, AlertTitle, Button, List, ListItem, ListItemText, MenuItem, Stack, TextField, Typography } from '@mui/material';
import { ApiKeysDocument, CreateApiKeyDocument, RevokeApiKeyDocument, type Role } from '@organoise/client';
import { useState, type FormEvent } from 'react';
import { ActionError, Empty, ErrorState, Loading } from '../../ui/states';
import { CopyButton } from './CopyButton';
import { parseCidrs } from './cidrs';

const ROLES: Role[] = ['ADMIN', 'MEMBER', 'VIEWER'];

/** Keys for programs: the secret is shown once, right after creation (only its hash is stored). */
export function ApiKeys({ organizationId }: { organizationId: string }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('VIEWER');
  const [cidrs, setCidrs] = useState('');
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const { data, loading, error } = useQuery(ApiKeysDocument, { variables: { organizationId }, fetchPolicy: 'cache-and-network' });
  const [create, creating] = useMutation(CreateApiKeyDocument, { refetchQueries: [ApiKeysDocument] });
  const [revoke, revoking] = useMutation(RevokeApiKeyDocument);
  const keys = data?.organization?.apiKeys.nodes ?? [];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const result = await create({ variables: { input: { organizationId, name: name.trim(), role, ipAllowList: parseCidrs(cidrs), idempotencyKey } } });
      const payload = result.data?.createApiKey;
      if (payload) setCreated({ name: payload.apiKey.name, secret: payload.secret });
      setName('');
      setCidrs('');
      setIdempotencyKey(crypto.randomUUID());
    } catch {
      // shown from creating.error
    }
  };

  return (
    <Stack spacing={3}>
      <Stack component="form" onSubmit={submit} noValidate spacing={2} aria-label="Create an API key">
        <Typography variant="h6" component="h2">
          Create an API key
        </Typography>
        <ActionError error={creating.error} />
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
          <TextField label="Key name" value={name} onChange={(e) => setName(e.target.value)} required sx={{ flexGrow: 1 }} />
          <TextField select label="Key role" value={role} onChange={(e) => setRole(e.target.value as Role)} sx={{ minWidth: 140 }}>
            {ROLES.map((r) => (
              <MenuItem key={r} value={r}>
                {r.toLowerCase()}
              </MenuItem>
            ))}
          </TextField>
        </Stack>
        <TextField label="Addresses the key may be used from (optional)" value={cidrs} onChange={(e) => setCidrs(e.target.value)} helperText="CIDRs such as 203.0.113.0/24, separated by commas or lines; empty means anywhere" multiline minRows={1} />
        <div>
          <Button type="submit" variant="contained" disabled={creating.loading || !name.trim()}>
            Create key
          </Button>
        </div>
      </Stack>
      {created ? (
        <Alert severity="warning" onClose={() => setCreated(null)} data-testid="api-key-secret-alert">
          <AlertTitle>The secret of “{created.name}”</AlertTitle>
          Copy it now: it is not stored and will not be shown again. <code data-testid="api-key-secret">{created.secret}</code> <CopyButton text={created.secret} label="Copy the secret" />
        </Alert>
      ) : null}
      <Stack spacing={1}>
        <Typography variant="h6" component="h2">
          Keys
        </Typography>
        <ActionError error={revoking.error} />
        {loading && !data ? <Loading label="Loading API keys" /> : null}
        {error && !data ? <ErrorState error={error} /> : null}
        {data && keys.length === 0 ? <Empty title="No API keys yet" /> : null}
        <List aria-label="API keys">
          {keys.map((key) => (
            <ListItem
              key={key.id}
              divider
              data-testid={`api-key-${key.name}`}
              secondaryAction={
                key.revokedAt ? null : (
                  <Button color="error" aria-label={`Revoke ${key.name}`} disabled={revoking.loading} onClick={() => window.confirm(`Revoke “${key.name}”? Programs using it stop working.`) && void revoke({ variables: { id: key.id } }).catch(() => {})}>
                    Revoke
                  </Button>
                )
              }
            >
              <ListItemText
                primary={`${key.name} · ${key.role.toLowerCase()} · ${key.prefix}…`}
                secondary={[
                  key.revokedAt ? `revoked ${new Date(key.revokedAt).toLocaleString()}` : 'active',
                  key.lastUsedAt ? `last used ${new Date(key.lastUsedAt).toLocaleString()}` : 'never used',
                  key.ipAllowList.length ? `from ${key.ipAllowList.join(', ')}` : 'from anywhere',
                  key.createdBy ? `created by ${key.createdBy.name}` : null,
                ]
                  .filter(Boolean)
                  .join(' · ')}
              />
            </ListItem>
          ))}
        </List>
      </Stack>
    </Stack>
  );
}

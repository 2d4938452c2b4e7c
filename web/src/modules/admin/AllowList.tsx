import { useMutation, useQuery } from '@apollo/client/react';
import { Alert, Button, Stack, TextField, Typography } from '@mui/material';
import { IpAllowListDocument, SetIpAllowListDocument } from '@organoise/client';
import { useState, type FormEvent } from 'react';
import { ActionError, ErrorState, Loading } from '../../ui/states';
import { parseCidrs } from './cidrs';

/** The networks the organization accepts connections from (people and API keys alike); empty = anywhere. */
export function AllowList({ organizationId }: { organizationId: string }) {
  const { data, loading, error } = useQuery(IpAllowListDocument, { variables: { organizationId }, fetchPolicy: 'cache-and-network' });
  if (loading && !data) return <Loading label="Loading the allow-list" />;
  if (error && !data) return <ErrorState error={error} />;
  // The form starts from the list as first read; saving updates `saved` without resetting what is typed.
  return <AllowListForm organizationId={organizationId} saved={data?.organization?.ipAllowList ?? []} />;
}

function AllowListForm({ organizationId, saved }: { organizationId: string; saved: string[] }) {
  const [text, setText] = useState(saved.join('\n'));
  const [done, setDone] = useState(false);
  const [save, saving] = useMutation(SetIpAllowListDocument);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(false);
    try {
      await save({ variables: { input: { organizationId, cidrs: parseCidrs(text) } } });
      setDone(true);
    } catch {
      // shown from saving.error
    }
  };
  return (
    <Stack component="form" onSubmit={submit} noValidate spacing={2} aria-label="IP allow-list">
      <Typography variant="h6" component="h2">
        IP allow-list
      </Typography>
      <Typography color="text.secondary">
        {saved.length ? `Connections are accepted only from ${saved.join(', ')}.` : 'Connections are accepted from anywhere.'} The list must include the address you are connecting from.
      </Typography>
      <ActionError error={saving.error} />
      {done ? <Alert severity="success">Allow-list saved.</Alert> : null}
      <TextField label="Allowed networks (CIDR)" value={text} onChange={(e) => setText(e.target.value)} multiline minRows={3} helperText="One per line, such as 203.0.113.0/24 or 2001:db8::/32; empty to accept any address" />
      <div>
        <Button type="submit" variant="contained" disabled={saving.loading}>
          Save allow-list
        </Button>
      </div>
    </Stack>
  );
}

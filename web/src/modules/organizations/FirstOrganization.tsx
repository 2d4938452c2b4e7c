import { useMutation } from '@apollo/client/react';
import { Alert, Button, Stack, TextField, Typography } from '@mui/material';
import { useState, type FormEvent } from 'react';
import { CreateOrganizationDocument, describeError, MyOrganizationsDocument } from '@organoise/client';
import { AuthCard } from '../../ui/AuthCard';

/** A new account belongs to no organization yet: it creates one (and is its owner) or waits for an invitation. */
export default function FirstOrganization() {
  const [name, setName] = useState('');
  const [create, { loading, error }] = useMutation(CreateOrganizationDocument, { refetchQueries: [MyOrganizationsDocument] });
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create({ variables: { input: { name, slug } } }).catch(() => {});
  };
  return (
    <AuthCard title="Create your organization">
      <Stack component="form" spacing={2} onSubmit={submit}>
        <Typography>You are not a member of any organization yet. Create one, or ask an administrator for an invitation.</Typography>
        {error ? <Alert severity="error">{describeError(error).message}</Alert> : null}
        <TextField label="Organization name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus helperText={slug ? `Address: ${slug}` : ' '} />
        <Button type="submit" variant="contained" disabled={loading || slug.length < 3}>
          Create organization
        </Button>
      </Stack>
    </AuthCard>
  );
}

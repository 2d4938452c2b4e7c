import { useMutation } from '@apollo/client/react';
import { Alert, Button, Stack, TextField } from '@mui/material';
import { ChangePasswordDocument } from '@organoise/client';
import { useState, type FormEvent } from 'react';
import { ActionError } from '../../ui/states';

export function ChangePassword() {
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [done, setDone] = useState(false);
  const [change, changing] = useMutation(ChangePasswordDocument);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(false);
    const result = await change({ variables: { input: { currentPassword, newPassword } } }).catch(() => null);
    if (result?.data?.changePassword) {
      setDone(true);
      setCurrent('');
      setNew('');
    }
  };
  return (
    <Stack component="form" onSubmit={submit} noValidate spacing={2} aria-label="Change password" sx={{ maxWidth: 420 }}>
      <ActionError error={changing.error} />
      {done ? <Alert severity="success">Password changed.</Alert> : null}
      <TextField label="Current password" type="password" value={currentPassword} onChange={(e) => setCurrent(e.target.value)} autoComplete="current-password" required />
      <TextField label="New password" type="password" value={newPassword} onChange={(e) => setNew(e.target.value)} autoComplete="new-password" helperText="At least 10 characters" required />
      <div>
        <Button type="submit" variant="contained" disabled={changing.loading || !currentPassword || !newPassword}>
          Change password
        </Button>
      </div>
    </Stack>
  );
}

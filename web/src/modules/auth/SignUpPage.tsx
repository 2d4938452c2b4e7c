import { Alert, Button, Stack, TextField, Typography } from '@mui/material';
import { useState, type FormEvent } from 'react';
import { Link, navigate } from '../../app/router';
import { describeError } from '@organoise/client';
import { useSessionStore } from './context';
import { AuthCard } from '../../ui/AuthCard';

export default function SignUpPage() {
  const session = useSessionStore();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [checkMail, setCheckMail] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const outcome = await session.signUp({ name, email, password });
      if (outcome === 'check-mail') setCheckMail(true);
      else navigate('/', { replace: true });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (checkMail) {
    return (
      <AuthCard title="Check your email">
        <Typography>We sent a link to {email}. Open it to finish creating your account.</Typography>
      </AuthCard>
    );
  }
  const described = error ? describeError(error) : null;
  return (
    <AuthCard title="Create your account">
      <Stack component="form" spacing={2} onSubmit={submit} noValidate>
        {described ? <Alert severity="error">{described.message}</Alert> : null}
        <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" required autoFocus />
        <TextField label="Email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="username" required />
        <TextField
          label="Password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="new-password"
          required
          helperText={described?.issues?.find((issue) => issue.path.endsWith('password'))?.message ?? 'At least 10 characters'}
        />
        <Button type="submit" variant="contained" disabled={busy}>
          Create account
        </Button>
        <Typography variant="body2">
          Already have an account? <Link href="/sign-in">Sign in</Link>
        </Typography>
      </Stack>
    </AuthCard>
  );
}

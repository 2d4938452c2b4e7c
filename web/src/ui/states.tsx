import { Alert, AlertTitle, Box, CircularProgress, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { describeError, isForbidden } from '@organoise/client';

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <Box role="status" aria-live="polite" sx={{ display: 'flex', alignItems: 'center', gap: 2, p: 4 }}>
      <CircularProgress size={24} aria-hidden />
      <Typography>{label}…</Typography>
    </Box>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Box sx={{ p: 4, textAlign: 'center', color: 'text.secondary' }}>
      <Typography variant="h6" component="p">
        {title}
      </Typography>
      {children}
    </Box>
  );
}

/** An API error in words, or the "not for you" state when the code says so. */
export function ErrorState({ error, title }: { error: unknown; title?: string }) {
  const described = describeError(error);
  if (isForbidden(error)) {
    return (
      <Alert severity="info" data-code={described.code}>
        <AlertTitle>Not available to you</AlertTitle>
        {described.message}
      </Alert>
    );
  }
  return (
    <Alert severity="error" data-code={described.code}>
      {title ? <AlertTitle>{title}</AlertTitle> : null}
      {described.message}
      {described.issues?.length ? (
        <ul>
          {described.issues.map((issue) => (
            <li key={issue.path}>
              {issue.path}: {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
    </Alert>
  );
}

/** A screen or action the person's role does not allow: said plainly, not as a failure. */
export function NotAllowed({ children }: { children: ReactNode }) {
  return (
    <Alert severity="info" data-code="FORBIDDEN">
      <AlertTitle>You may not do this</AlertTitle>
      {children}
    </Alert>
  );
}

/** A mutation's refusal in words, by code, next to the form that sent it. */
export function ActionError({ error }: { error: unknown }) {
  if (!error) return null;
  const described = describeError(error);
  return (
    <Alert severity="error" data-code={described.code} role="alert">
      {described.message}
      {described.issues?.map((issue) => (
        <div key={issue.path}>
          {issue.path}: {issue.message}
        </div>
      ))}
    </Alert>
  );
}

import { Stack, Typography } from '@mui/material';
import type { ReactNode } from 'react';

/** A page's one h1, with what belongs beside it (a live indicator, an action) on the same line. */
export function PageHeading({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <Stack direction="row" sx={{ alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
      <Typography variant="h4" component="h1">
        {title}
      </Typography>
      {children}
    </Stack>
  );
}

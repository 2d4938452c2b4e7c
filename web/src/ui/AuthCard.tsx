import { Box, Paper, Typography } from '@mui/material';
import type { ReactNode } from 'react';

/**
 * The centred card of the screens shown before the app proper (sign-in, sign-up, a first
 * organization). Apart from the sign-in page so that importing it does not pull that page (and
 * its chunk) into the entry: the sign-in page stays a lazy route.
 */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box component="main" sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', p: 2, bgcolor: 'grey.100' }}>
      <Paper sx={{ p: 4, width: '100%', maxWidth: 420 }}>
        <Typography variant="h5" component="h1" gutterBottom>
          {title}
        </Typography>
        {children}
      </Paper>
    </Box>
  );
}

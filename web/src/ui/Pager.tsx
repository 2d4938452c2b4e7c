import { Button, Stack, Typography } from '@mui/material';
import { useState } from 'react';

/**
 * Pages of an API connection, walked by cursor: `after` for the current page, and the cursors of
 * the pages before it, so "Previous" goes back without offsets (which shift as rows arrive).
 */
export function useCursorPages() {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  const after = stack[stack.length - 1] ?? null;
  return {
    after,
    page: stack.length,
    next: (cursor: string | null | undefined) => cursor && setStack((s) => [...s, cursor]),
    previous: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([null]),
  };
}

export function Pager({ pages, hasNextPage, endCursor, total, label }: { pages: ReturnType<typeof useCursorPages>; hasNextPage: boolean; endCursor: string | null | undefined; total: number; label: string }) {
  return (
    <Stack component="nav" aria-label={`${label} pages`} direction="row" sx={{ alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
      <Button onClick={pages.previous} disabled={pages.page === 1}>
        Previous page
      </Button>
      <Typography data-testid={`${label.toLowerCase().replace(/\s+/g, '-')}-page`}>
        Page {pages.page} · {total} in all
      </Typography>
      <Button onClick={() => pages.next(endCursor)} disabled={!hasNextPage}>
        Next page
      </Button>
    </Stack>
  );
}

import { Box, Card, CardContent, Stack, Typography } from '@mui/material';
import type { LiveStatus } from '@organoise/client';
import { useEffect, type ReactNode } from 'react';
import { Empty } from '../../ui/states';
import { PageHeading } from '../../ui/PageHeading';
import { LiveIndicator } from '../live/LiveIndicator';

// Apollo-free: the first paint (App.tsx's FirstPaint) draws it from the boot script's answer before
// Apollo Client has loaded, and DashboardPage draws it from its queries after.

/** The counters cover the last hour, the same window for the first read and the live updates. */
export const WINDOW_SECONDS = 3600;

export type Counts = { total: number; counts: { type: string; count: number }[] };

/**
 * Set once per page load when the counters first show data: the browser's own timing of the first
 * meaningful screen, which `npm run bench:web` reads (performance.getEntriesByName).
 */
export const READY_MARK = 'organoise:dashboard-ready';

/** The dashboard's heading and counters; `children` below them (the charts), `status` above them (loading, errors). */
export function DashboardView(props: { organizationName: string; live: LiveStatus; counts: Counts | null; activeUsers: number | null; status?: ReactNode; children?: ReactNode }) {
  const { counts } = props;
  const shown = counts !== null;
  useEffect(() => {
    if (shown && performance.getEntriesByName(READY_MARK).length === 0) performance.mark(READY_MARK);
  }, [shown]);
  return (
    <Stack spacing={2}>
      <PageHeading title="Dashboard">
        <LiveIndicator status={props.live} />
      </PageHeading>
      <Typography color="text.secondary">Activity in {props.organizationName} over the last hour.</Typography>
      {props.status}
      {counts ? (
        <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))' }}>
          <Counter label="All events" value={counts.total} testId="counter-total" />
          {props.activeUsers !== null ? <Counter label="Active people" value={props.activeUsers} /> : null}
          {counts.counts.map((c) => (
            <Counter key={c.type} label={c.type} value={c.count} testId={`counter-${c.type}`} />
          ))}
        </Box>
      ) : null}
      {counts && counts.total === 0 ? <Empty title="Nothing happened in the last hour" /> : null}
      {counts ? props.children : null}
    </Stack>
  );
}

function Counter({ label, value, testId }: { label: string; value: number; testId?: string }) {
  return (
    <Card variant="outlined">
      <CardContent>
        <Typography variant="body2" color="text.secondary">
          {label}
        </Typography>
        <Typography variant="h4" component="p" data-testid={testId}>
          {value}
        </Typography>
      </CardContent>
    </Card>
  );
}

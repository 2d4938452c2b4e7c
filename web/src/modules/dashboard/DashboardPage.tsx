import { useQuery } from '@apollo/client/react';
import { Box, Card, CardContent, Stack, Typography } from '@mui/material';
import { DashboardDocument, LiveMetricsDocument } from '@organoise/client';
import { useState } from 'react';
import { Empty, ErrorState, Loading } from '../../ui/states';
import { LiveIndicator } from '../live/LiveIndicator';
import { useLiveSubscription } from '../live/useLiveSubscription';
import { useOrganization } from '../organizations/context';

/** The counters cover the last hour, the same window for the first read and the live updates. */
const WINDOW_SECONDS = 3600;

type Counts = { total: number; counts: { type: string; count: number }[] };

export default function DashboardPage() {
  const { current } = useOrganization();
  const [from] = useState(() => new Date(Date.now() - WINDOW_SECONDS * 1000).toISOString());
  const { data, loading, error } = useQuery(DashboardDocument, { variables: { organizationId: current.id, from } });
  // liveMetrics pushes only when events arrive: until then the first read is what is shown.
  const [latest, setLatest] = useState<{ organizationId: string; counts: Counts } | null>(null);
  const live = useLiveSubscription(
    LiveMetricsDocument,
    { organizationId: current.id, windowSeconds: WINDOW_SECONDS },
    { cursorOf: (d) => d.liveMetrics.cursor, onEvent: (d) => setLatest({ organizationId: current.id, counts: d.liveMetrics }) },
  );

  const activity = data?.organization?.activity;
  const counts: Counts | null = latest?.organizationId === current.id ? latest.counts : activity ? { total: activity.eventCount, counts: activity.totals } : null;

  return (
    <Stack spacing={2}>
      <Stack direction="row" sx={{ alignItems: 'center', gap: 2 }}>
        <Typography variant="h4" component="h1">
          Dashboard
        </Typography>
        <LiveIndicator status={live.status} />
      </Stack>
      <Typography color="text.secondary">Activity in {current.name} over the last hour.</Typography>
      {loading && !data ? <Loading label="Loading activity" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {counts ? (
        <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))' }}>
          <Counter label="All events" value={counts.total} testId="counter-total" />
          {activity ? <Counter label="Active people" value={activity.activeUsers} /> : null}
          {counts.counts.map((c) => (
            <Counter key={c.type} label={c.type} value={c.count} testId={`counter-${c.type}`} />
          ))}
        </Box>
      ) : null}
      {counts && counts.total === 0 ? <Empty title="Nothing happened in the last hour" /> : null}
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

import { useQuery } from '@apollo/client/react';
import { Box, Card, CardContent, Stack, Typography } from '@mui/material';
import { DashboardDocument, DashboardSeriesDocument, LiveMetricsDocument } from '@organoise/client';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { bootDashboardFrom, forgetDashboardFrom } from '../../app/boot';
import { Empty, ErrorState, Loading } from '../../ui/states';
import { LiveIndicator } from '../live/LiveIndicator';
import { useLiveSubscription } from '../live/useLiveSubscription';
import { useOrganization } from '../organizations/context';

/** The counters cover the last hour, the same window for the first read and the live updates. */
const WINDOW_SECONDS = 3600;
// The charts (and their library) load after the counters: the first meaningful screen does not wait for them.
const EventsPerHourChart = lazy(() => import('./Charts').then((m) => ({ default: m.EventsPerHourChart })));
const RunThroughputChart = lazy(() => import('./Charts').then((m) => ({ default: m.RunThroughputChart })));
/** At most one re-read of the hourly series and active people per this many ms, however fast events come. */
const REREAD_MS = 2000;

type Counts = { total: number; counts: { type: string; count: number }[] };

/**
 * Set once per page load when the counters first show data: the browser's own timing of the first
 * meaningful screen, which `npm run bench:web` reads (performance.getEntriesByName).
 */
export const READY_MARK = 'organoise:dashboard-ready';

export default function DashboardPage() {
  const { current } = useOrganization();
  // The first time, the window the page's boot script read (web/boot-plugin.ts, same WINDOW_SECONDS): its answer is in the cache.
  const [from] = useState(() => bootDashboardFrom(current.id) ?? new Date(Date.now() - WINDOW_SECONDS * 1000).toISOString());
  useEffect(() => forgetDashboardFrom(), []);
  const { data, loading, error, refetch } = useQuery(DashboardDocument, { variables: { organizationId: current.id, from } });
  // The charts' day of hourly rollups comes after the counters (the first screen waits for those only).
  const [dayFrom] = useState(() => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 23 * 3_600_000).toISOString());
  const day = useQuery(DashboardSeriesDocument, { variables: { organizationId: current.id, from: dayFrom } });
  // liveMetrics carries counts, not the hourly series nor active people: those are re-read when it
  // reports new events, at most once per REREAD_MS.
  const reread = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(reread.current), []);
  const scheduleReread = () => {
    reread.current ??= setTimeout(() => {
      reread.current = undefined;
      void refetch().catch(() => {});
      void day.refetch().catch(() => {});
    }, REREAD_MS);
  };
  // liveMetrics pushes only when events arrive: until then the first read is what is shown.
  const [latest, setLatest] = useState<{ organizationId: string; counts: Counts } | null>(null);
  const live = useLiveSubscription(
    LiveMetricsDocument,
    { organizationId: current.id, windowSeconds: WINDOW_SECONDS },
    { cursorOf: (d) => d.liveMetrics.cursor, onEvent: (d) => (setLatest({ organizationId: current.id, counts: d.liveMetrics }), scheduleReread()) },
  );

  const activity = data?.organization?.activity;
  const counts: Counts | null = latest?.organizationId === current.id ? latest.counts : activity ? { total: activity.eventCount, counts: activity.totals } : null;
  const shown = counts !== null;
  useEffect(() => {
    if (shown && performance.getEntriesByName(READY_MARK).length === 0) performance.mark(READY_MARK);
  }, [shown]);

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
      {counts ? (
        <Suspense fallback={<Loading label="Loading the charts" />}>
          <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: '2fr 1fr' } }}>
            {day.data?.organization ? <EventsPerHourChart series={day.data.organization.activity.series} now={Date.parse(dayFrom) + 23 * 3_600_000} /> : day.error ? <ErrorState error={day.error} /> : <Loading label="Loading the charts" />}
            <RunThroughputChart counts={counts.counts} windowMinutes={WINDOW_SECONDS / 60} />
          </Box>
        </Suspense>
      ) : null}
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

import { useQuery } from '@apollo/client/react';
import { Box } from '@mui/material';
import { DashboardDocument, DashboardSeriesDocument, LiveMetricsDocument } from '@organoise/client';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { bootDashboardFrom, forgetDashboardFrom } from '../../app/boot';
import { ErrorState, Loading } from '../../ui/states';
import { useLiveSubscription } from '../live/useLiveSubscription';
import { useOrganization } from '../organizations/context';
import { DashboardView, WINDOW_SECONDS, type Counts } from './DashboardView';

export { READY_MARK } from './DashboardView';

// The charts (and their library) load after the counters: the first meaningful screen does not wait for them.
const EventsPerHourChart = lazy(() => import('./Charts').then((m) => ({ default: m.EventsPerHourChart })));
const RunThroughputChart = lazy(() => import('./Charts').then((m) => ({ default: m.RunThroughputChart })));
/** At most one re-read of the hourly series and active people per this many ms, however fast events come. */
const REREAD_MS = 2000;

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

  return (
    <DashboardView
      organizationName={current.name}
      live={live.status}
      counts={counts}
      activeUsers={activity ? activity.activeUsers : null}
      status={
        <>
          {loading && !data ? <Loading label="Loading activity" /> : null}
          {error ? <ErrorState error={error} /> : null}
        </>
      }
    >
      <Suspense fallback={<Loading label="Loading the charts" />}>
        <Box sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: '2fr 1fr' } }}>
          {day.data?.organization ? <EventsPerHourChart series={day.data.organization.activity.series} now={Date.parse(dayFrom) + 23 * 3_600_000} /> : day.error ? <ErrorState error={day.error} /> : <Loading label="Loading the charts" />}
          {counts ? <RunThroughputChart counts={counts.counts} windowMinutes={WINDOW_SECONDS / 60} /> : null}
        </Box>
      </Suspense>
    </DashboardView>
  );
}

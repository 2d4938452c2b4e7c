import { Card, CardContent, Typography } from '@mui/material';
import { BarChart } from '@mui/x-charts/BarChart';
import type { ReactNode } from 'react';

const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
const HOURS = 24;

export interface SeriesPoint {
  bucketStart: string;
  type: string;
  count: number;
}

function ChartCard({ title, summary, testId, data, children }: { title: string; summary: string; testId: string; data: Record<string, string | number>; children: ReactNode }) {
  const attributes = Object.fromEntries(Object.entries(data).map(([key, value]) => [`data-${key}`, String(value)]));
  return (
    <Card variant="outlined" component="figure" sx={{ m: 0 }} data-testid={testId} {...attributes}>
      <CardContent>
        <Typography variant="h6" component="figcaption">
          {title}
        </Typography>
        {/* The numbers in words above are the chart for screen readers and keyboards; the drawing itself is inert. */}
        <Typography variant="body2" color="text.secondary">
          {summary}
        </Typography>
        <div inert>{children}</div>
      </CardContent>
    </Card>
  );
}

/** Events per type in each hour of the last day, stacked: the API's hourly rollups, re-read as live events arrive. */
export function EventsPerHourChart({ series, now }: { series: SeriesPoint[]; now: number }) {
  const start = Math.floor(now / 3_600_000) * 3_600_000 - (HOURS - 1) * 3_600_000;
  const hours = Array.from({ length: HOURS }, (_, i) => start + i * 3_600_000);
  const types = [...new Set(series.map((p) => p.type))].sort();
  const byKey = new Map(series.map((p) => [`${Math.floor(Date.parse(p.bucketStart) / 3_600_000) * 3_600_000}|${p.type}`, p.count]));
  const total = series.reduce((sum, p) => sum + p.count, 0);
  const labels = hours.map((hour) => new Date(hour).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  return (
    <ChartCard title="Events per type, last 24 hours" summary={total ? `${total} events: ${types.map((t) => `${t} ${series.filter((p) => p.type === t).reduce((s, p) => s + p.count, 0)}`).join(', ')}.` : 'No events in the last 24 hours.'} testId="events-chart" data={{ total }}>
      <BarChart
        height={280}
        skipAnimation={reducedMotion}
        xAxis={[{ scaleType: 'band', data: labels, tickLabelInterval: (_, i) => i % 4 === 0 }]}
        series={types.map((type) => ({ type: 'bar' as const, label: type, stack: 'events', data: hours.map((hour) => byKey.get(`${hour}|${type}`) ?? 0) }))}
        hideLegend={types.length === 0}
      />
    </ChartCard>
  );
}

const RUN_TYPES = [
  { type: 'workflow.run.started', label: 'started' },
  { type: 'workflow.run.transitioned', label: 'steps taken' },
  { type: 'workflow.run.completed', label: 'completed' },
];

/** Runs started, moved on and completed over the live window: straight from each `liveMetrics` push. */
export function RunThroughputChart({ counts, windowMinutes }: { counts: { type: string; count: number }[]; windowMinutes: number }) {
  const values = RUN_TYPES.map(({ type }) => counts.find((c) => c.type === type)?.count ?? 0);
  return (
    <ChartCard
      title={`Run throughput, last ${windowMinutes} minutes`}
      summary={RUN_TYPES.map(({ label }, i) => `${values[i]} ${label}`).join(', ')}
      testId="throughput-chart"
      data={{ started: values[0]!, transitioned: values[1]!, completed: values[2]! }}
    >
      <BarChart height={220} skipAnimation={reducedMotion} layout="horizontal" yAxis={[{ scaleType: 'band', data: RUN_TYPES.map((t) => t.label), width: 90 }]} series={[{ type: 'bar', data: values, label: 'runs' }]} hideLegend />
    </ChartCard>
  );
}

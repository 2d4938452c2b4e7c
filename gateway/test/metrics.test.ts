import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import { startMetricsListener, type MetricsListener } from '@organoise/core';
import { capturingLogger, waitFor } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startObservedGraph, type ObservedGraph } from './fixtures/observed-graph.js';

const RULES_DIR = fileURLToPath(new URL('../../infra/prometheus/', import.meta.url));
const rules = readFileSync(`${RULES_DIR}alerts.yml`, 'utf8');
// The Grafana dashboard (infra/grafana/): every panel's queries, in order.
const dashboard = JSON.parse(readFileSync(new URL('../../infra/grafana/organoise-overview.json', import.meta.url), 'utf8')) as {
  panels: { title: string; description?: string; datasource: { uid: string }; targets: { expr: string }[] }[];
};
const dashboardExprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));

/** `name{labels} value` lines of a scrape, by series text. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    map.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return map;
}
const families = (text: string) => new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
const scrape = async (url: string) => {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
};

describe('alert rules (promtool)', () => {
  it('should be valid rules whose unit tests pass', () => {
    // promtool comes with Debian's prometheus package (.ci/run installs it).
    const check = execFileSync('promtool', ['check', 'rules', 'alerts.yml'], { cwd: RULES_DIR, encoding: 'utf8' });
    expect(check).toContain('SUCCESS');
    const test = execFileSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: RULES_DIR, encoding: 'utf8' });
    expect(test).toContain('SUCCESS');
  });

  it("should give the dashboard only queries Prometheus parses, each panel described and on the dashboard's data source", () => {
    expect(dashboard.panels.length).toBeGreaterThan(10);
    for (const panel of dashboard.panels) {
      expect(panel.description, panel.title).toBeTruthy();
      expect(panel.datasource.uid, panel.title).toBe('${datasource}');
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    }
    // promtool parses PromQL only inside rules: each query becomes a recording rule of a scratch file.
    const dir = mkdtempSync(join(tmpdir(), 'organoise-dashboard-'));
    try {
      const scratch = ['groups:', '  - name: dashboard', '    rules:', ...dashboardExprs.map((expr, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(expr)}`)].join('\n');
      writeFileSync(join(dir, 'dashboard.yml'), `${scratch}\n`);
      const check = execFileSync('promtool', ['check', 'rules', 'dashboard.yml'], { cwd: dir, encoding: 'utf8' });
      expect(check).toContain(`SUCCESS: ${dashboardExprs.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('metrics of a running gateway and its subgraphs', () => {
  let graph: ObservedGraph;
  let listener: MetricsListener;
  const log = capturingLogger();

  beforeAll(async () => {
    graph = await startObservedGraph(log);
    // What gateway/src/main.ts starts when METRICS_PORT is set.
    listener = await startMetricsListener(0);
  });
  afterAll(async () => {
    await listener?.close();
    await graph?.stop();
  });

  it('should count an operation that spans two subgraphs: its latency, each fetch and each subgraph request', async () => {
    const before = samples(await scrape(listener.url));
    const answer = await graph.query('query Notes { notes { id title stars } }');
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.notes).toEqual([
      { id: '1', title: 'note 1', stars: 10 },
      { id: '2', title: 'note 2', stars: 20 },
      { id: '3', title: 'note 3', stars: 30 },
    ]);
    const after = samples(await scrape(listener.url));
    const grew = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
    expect(grew('organoise_gateway_operation_duration_seconds_count{operation_name="Notes",operation_type="query"}')).toBe(1);
    expect(grew('organoise_gateway_operations_total{operation_type="query",outcome="ok"}')).toBe(1);
    expect(grew('organoise_gateway_subgraph_fetch_duration_seconds_count{subgraph="notes"}')).toBe(1);
    expect(grew('organoise_gateway_subgraph_fetch_duration_seconds_count{subgraph="stars"}')).toBe(1);
    expect(grew('organoise_subgraph_request_duration_seconds_count{service="notes",status="2xx"}')).toBe(1);
    expect(grew('organoise_subgraph_request_duration_seconds_count{service="stars",status="2xx"}')).toBe(1);
    if (process.env.TEST_DATABASE === 'postgres') {
      // One statement in notes; stars resolves three references, one statement each (PGlite has no pool to measure).
      expect(grew('organoise_db_query_duration_seconds_count{service="observed_notes"}')).toBe(1);
      expect(grew('organoise_db_query_duration_seconds_count{service="observed_stars"}')).toBe(3);
    }
  });

  it('should pass the request id to the subgraphs, and no trace context while tracing is off', async () => {
    await graph.query('query Notes { notes { id stars } }');
    const access = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request' && l.path === '/graphql');
    const subgraphLines = access.filter((l) => l.requestId !== undefined);
    expect(subgraphLines.length).toBeGreaterThanOrEqual(2);
    expect(access.some((l) => 'traceId' in l || 'spanId' in l)).toBe(false);
  });

  it("should log the gateway's access line with the request id it sent to every subgraph, its own and not the client's", async () => {
    const accessLines = () => log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request' && l.path === '/graphql');
    const seen = accessLines().length;
    const answer = await graph.query('query Notes { notes { id stars } }', { 'x-request-id': 'chosen-by-the-client' });
    expect(answer.status).toBe(200);
    // The gateway's line is written once its answer is over: a moment after the client has it.
    await waitFor(() => accessLines().length >= seen + 3, 'the access lines of the gateway and both subgraphs');
    const lines = accessLines().slice(seen);
    expect(lines).toHaveLength(3);
    const ids = new Set(lines.map((l) => l.requestId));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('should count errors by their code, and a refusal as a client error', async () => {
    const before = samples(await scrape(listener.url));
    const answer = await graph.query('query Missing { note(id: "9") { id } }');
    expect(answer.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const after = samples(await scrape(listener.url));
    const grew = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
    expect(grew('organoise_gateway_operation_errors_total{operation_type="query",code="NOT_FOUND"}')).toBe(1);
    expect(grew('organoise_gateway_operations_total{operation_type="query",outcome="client_error"}')).toBe(1);
    expect(grew('organoise_gateway_operations_total{operation_type="query",outcome="server_error"}')).toBe(0);
  });

  it('should count a request refused at the edge (parsing, validation) as a client error with its code, and no latency', async () => {
    const before = samples(await scrape(listener.url));
    const unparsable = await graph.query('query Broken { notes { id ');
    expect(unparsable.body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    const invalid = await graph.query('query Invalid { notes { nope } }');
    expect(invalid.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const after = samples(await scrape(listener.url));
    const grew = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
    expect(grew('organoise_gateway_operation_errors_total{operation_type="unknown",code="GRAPHQL_PARSE_FAILED"}')).toBe(1);
    expect(grew('organoise_gateway_operation_errors_total{operation_type="unknown",code="GRAPHQL_VALIDATION_FAILED"}')).toBe(1);
    expect(grew('organoise_gateway_operations_total{operation_type="unknown",outcome="client_error"}')).toBe(2);
    // Nothing ran: the refusals are not in the latency the p95 objective reads.
    const executed = [...after.keys()].filter((series) => series.startsWith('organoise_gateway_operation_duration_seconds_count'));
    expect(executed.reduce((sum, series) => sum + grew(series), 0)).toBe(0);
  });

  it('should count open subscriptions, deliveries and the events waiting for a subscriber', async () => {
    const value = async (series: string) => samples(await scrape(listener.url)).get(series) ?? 0;
    const deliveredBefore = await value('organoise_gateway_subscription_deliveries_total');
    const subscription = graph.gateway.subscriptions.subscribe({ document: parse('subscription Added { noteAdded { id title stars } }'), variables: {}, context: { viewer: null, requestId: 'metrics-test', clientIp: null } });
    await subscription.accepted;
    expect(await value('organoise_gateway_subscriptions_open')).toBe(1);
    graph.addNote('1');
    graph.addNote('2');
    graph.addNote('3');
    // Not pulled yet: three hydrated events wait for this subscriber.
    await waitFor(async () => (await value('organoise_gateway_subscription_queue_depth')) === 3, 'three events waiting');
    expect(await value('organoise_gateway_subscription_deliveries_total')).toBe(deliveredBefore + 3);
    for (const stars of [10, 20, 30]) expect((await subscription.next()).value).toMatchObject({ data: { noteAdded: { stars } } });
    expect(await value('organoise_gateway_subscription_queue_depth')).toBe(0);
    await subscription.return!();
    await waitFor(async () => (await value('organoise_gateway_subscriptions_open')) === 0, 'the subscription closed');
  });

  it('should count a subgraph that cannot be reached as a failed fetch and a server error', async () => {
    const before = samples(await scrape(listener.url));
    await graph.subgraphs.stars.close();
    const answer = await graph.query('query Stars { notes { id stars } }');
    expect(answer.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toContain('SUBGRAPH_UNAVAILABLE');
    const after = samples(await scrape(listener.url));
    const grew = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
    expect(grew('organoise_gateway_subgraph_fetch_errors_total{subgraph="stars",code="SUBGRAPH_UNAVAILABLE"}')).toBe(1);
    expect(grew('organoise_gateway_operations_total{operation_type="query",outcome="server_error"}')).toBe(1);
  });

  it('should export every metric the alert rules and the dashboard use', async () => {
    const exported = families(await scrape(listener.url));
    const used = new Set([...`${rules}\n${dashboardExprs.join('\n')}`.matchAll(/\b((?:organoise|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, '')));
    expect(used.size).toBeGreaterThan(8);
    const missing = [...used].filter((name) => !exported.has(name));
    expect(missing).toEqual([]);
    // The default process metrics too.
    expect(exported).toContain('process_cpu_seconds_total');
    expect(exported).toContain('nodejs_eventloop_lag_p99_seconds');
  });

  it("should serve a subgraph's metrics on its own port without the internal token, while /graphql still asks for it", async () => {
    const metricsUrl = new URL('/metrics', graph.subgraphs.notes.url).toString();
    expect(families(await scrape(metricsUrl))).toContain('organoise_subgraph_request_duration_seconds');
    const graphql = await fetch(graph.subgraphs.notes.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ notes { id } }' }) });
    expect(graphql.status).toBe(401);
  });

  it("should not serve metrics on the gateway's public port, and nothing but /metrics on the metrics port", async () => {
    expect((await fetch(new URL('/metrics', graph.gateway.url))).status).toBe(404);
    expect((await fetch(new URL('/graphql', listener.url))).status).toBe(404);
  });
});

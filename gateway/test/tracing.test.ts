import { startTracing, type Tracing } from '@organoise/core';
import { capturingLogger, startOtlpReceiver, waitFor, type ReceivedSpan } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startObservedGraph, type ObservedGraph } from './fixtures/observed-graph.js';

// A local OTLP/HTTP receiver (the exporter's JSON protocol) stands in for the collector: the spans
// the gateway and both subgraphs export must form one trace, gateway -> each subgraph -> Postgres.

describe('tracing across the gateway and its subgraphs (OTLP)', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let tracing: Tracing;
  let graph: ObservedGraph;
  const log = capturingLogger();

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    tracing = startTracing({ endpoint: receiver.url, serviceName: 'organoise-test' });
    graph = await startObservedGraph(log);
  });
  afterAll(async () => {
    await graph?.stop();
    await tracing?.shutdown();
    await receiver?.close();
  });

  it('should make one trace of a query: the operation, its plan, a fetch per subgraph, each subgraph request and its SQL, with correct parents', async () => {
    const answer = await graph.query('query Notes { notes { id title stars } }');
    expect(answer.body.errors).toBeUndefined();
    await tracing.flush();
    await waitFor(() => receiver.spans.some((s) => s.name === 'subgraph stars'), 'the spans exported');
    expect(receiver.requests.every((r) => r.path === '/v1/traces' && r.contentType === 'application/json')).toBe(true);

    const byId = new Map(receiver.spans.map((s) => [s.spanId, s]));
    const parentOf = (span: ReceivedSpan) => byId.get(span.parentSpanId);
    const notes = receiver.spans.find((s) => s.name === 'subgraph notes')!;
    const stars = receiver.spans.find((s) => s.name === 'subgraph stars')!;
    expect(notes).toBeDefined();
    expect(stars).toBeDefined();
    const traceId = notes.traceId;
    expect(stars.traceId).toBe(traceId);

    // Each subgraph's server span hangs under the gateway's fetch to it (through the traceparent header).
    expect(parentOf(notes)).toMatchObject({ name: 'gateway.fetch', attributes: { service: 'notes' }, traceId });
    expect(parentOf(stars)).toMatchObject({ name: 'gateway.fetch', attributes: { service: 'stars' }, traceId });
    // ... which hang under the operation's execution, under the request's root span.
    const root = (span: ReceivedSpan): ReceivedSpan => (parentOf(span) ? root(parentOf(span)!) : span);
    expect(root(notes)).toMatchObject({ name: 'gateway.request', parentSpanId: '' });
    expect(root(stars).spanId).toBe(root(notes).spanId);
    const inTrace = receiver.spans.filter((s) => s.traceId === traceId);
    expect(inTrace.find((s) => s.name === 'gateway.plan')).toMatchObject({ parentSpanId: root(notes).spanId });

    if (process.env.TEST_DATABASE === 'postgres') {
      // SQL under each subgraph's request span: its text, never its parameters.
      const sqlUnder = (server: ReceivedSpan) => inTrace.filter((s) => s.name === 'postgres' && s.parentSpanId === server.spanId);
      expect(sqlUnder(notes)).toHaveLength(1);
      expect(sqlUnder(notes)[0]!.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'organoise.service': 'observed_notes' });
      expect(String(sqlUnder(notes)[0]!.attributes['db.query.text'])).toContain('generate_series');
      expect(sqlUnder(stars)).toHaveLength(3);
      expect(String(sqlUnder(stars)[0]!.attributes['db.query.text'])).toContain('$1');
    }

    // The subgraphs' access logs carry the gateway's request id and the trace id from traceparent.
    const access = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request' && l.path === '/graphql' && l.traceId === traceId);
    expect(access).toHaveLength(2);
    expect(access[0]!.requestId).toEqual(expect.any(String));
    expect(access[1]!.requestId).toBe(access[0]!.requestId);
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as a local OTLP receiver got it (ids in hex, attributes flattened). */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  attributes: Record<string, unknown>;
  /** The exporting process's resource `service.name`. */
  service: string;
}

/** OTLP JSON ids are hex; a protobuf-to-JSON mapping would give base64: both become hex. */
const hex = (id: unknown) => (typeof id !== 'string' || id === '' ? '' : /^[0-9a-f]+$/.test(id) && (id.length === 32 || id.length === 16) ? id : Buffer.from(id, 'base64').toString('hex'));
const flatten = (attributes: { key: string; value: Record<string, unknown> }[] | undefined) =>
  Object.fromEntries((attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]));

/**
 * A local OTLP/HTTP receiver (the exporter's JSON protocol) standing in for a collector, on a
 * free port: tests point OTEL_EXPORTER_OTLP_ENDPOINT (or startTracing's endpoint) at its url.
 */
export async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const requests: { path: string; contentType: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] });
      // The OTLP JSON shape, read loosely.
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans?: { resource?: { attributes?: any[] }; scopeSpans?: { spans?: any[] }[] }[] };
      for (const resource of body.resourceSpans ?? []) {
        const service = String(flatten(resource.resource?.attributes)['service.name'] ?? '');
        for (const scope of resource.scopeSpans ?? [])
          for (const span of scope.spans ?? [])
            spans.push({ traceId: hex(span.traceId), spanId: hex(span.spanId), parentSpanId: hex(span.parentSpanId), name: span.name, attributes: flatten(span.attributes), service });
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

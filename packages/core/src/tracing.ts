import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/**
 * OpenTelemetry tracing, off unless a service starts it with an OTLP endpoint
 * (OTEL_EXPORTER_OTLP_ENDPOINT). Off, every helper here returns at its first line: no span, no
 * context, no header (the OpenTelemetry API's no-op tracer is not even asked).
 *
 * On, the spans of one request form one trace: the gateway's own (@apollo/gateway's
 * gateway.request, gateway.plan, gateway.execute and one gateway.fetch per subgraph fetch, made
 * through the same global API), the W3C `traceparent` header on every subgraph fetch, a server
 * span per subgraph request taken from that header, and one span per SQL statement under it.
 */
let enabled = false;
const tracer = () => trace.getTracer('organoise');

export interface TracingOptions {
  /** OTLP/HTTP base URL (`http://collector:4318`); spans go to `<endpoint>/v1/traces` as JSON. */
  endpoint: string;
  /** `service.name` of the process (one process may hold several services: each span names its own in `organoise.service`). */
  serviceName: string;
}

export interface Tracing {
  /** Sends what is buffered now. */
  flush(): Promise<void>;
  /** Flushes and turns tracing off. */
  shutdown(): Promise<void>;
}

/** Turns tracing on for this process (once: a second call returns the first's handle). */
let running: Tracing | null = null;
export function startTracing(options: TracingOptions): Tracing {
  if (running) return running;
  const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, '')}/v1/traces` });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  enabled = true;
  running = {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      enabled = false;
      running = null;
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
  return running;
}

export const tracingEnabled = () => enabled;

/** Adds `traceparent` (and `tracestate`) of the active span to outgoing headers; nothing when off. */
export function injectTraceHeaders(set: (name: string, value: string) => void): void {
  if (!enabled) return;
  propagation.inject(context.active(), null, { set: (_carrier: unknown, name: string, value: string) => set(name, value) });
}

/** The W3C trace and span ids of the active span (log fields), or undefined when tracing is off or no span is active. */
export function activeSpanIds(): { traceId: string; spanId: string } | undefined {
  if (!enabled) return undefined;
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

/** A server span open until `end`; `context` is where the request's work runs. */
export interface ServerSpan {
  context: Context;
  end(failed: boolean): void;
}

/**
 * A server span whose parent comes from the request's `traceparent` only (never from whatever
 * context the process happened to be in): what links a subgraph's spans to the gateway's is the
 * header. Null when tracing is off.
 */
export function startServerSpan(name: string, headers: Record<string, string | string[] | undefined>, attributes: Record<string, string>): ServerSpan | null {
  if (!enabled) return null;
  const parent = propagation.extract(ROOT_CONTEXT, headers, {
    get: (carrier, key) => carrier[key],
    keys: (carrier) => Object.keys(carrier),
  });
  const span = tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return {
    context: trace.setSpan(parent, span),
    end: (failed) => {
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}

/** A client span under the active one, ended by the caller; null when tracing is off. */
export function startClientSpan(name: string, attributes: Record<string, string>): { end(error?: unknown): void } | null {
  if (!enabled) return null;
  const span = tracer().startSpan(name, { kind: SpanKind.CLIENT, attributes });
  return {
    end: (error) => {
      if (error !== undefined) fail(span, error);
      span.end();
    },
  };
}

/** Runs `work` in a child span of the active one; off, `work` runs as it is. */
export function withSpan<T>(name: string, kind: 'internal' | 'client', attributes: Record<string, string>, work: () => T): T {
  if (!enabled) return work();
  const span = tracer().startSpan(name, { kind: kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes });
  return context.with(trace.setSpan(context.active(), span), () => endWith(span, work));
}

/** The active context, to run later work (a lazily executed query) under the span that asked for it. */
export const activeContext = (): Context | undefined => (enabled ? context.active() : undefined);
export const runInContext = <T>(ctx: Context | undefined, work: () => T): T => (ctx ? context.with(ctx, work) : work());

function endWith<T>(span: Span, work: () => T): T {
  let result: T;
  try {
    result = work();
  } catch (error) {
    fail(span, error);
    span.end();
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        fail(span, error);
        span.end();
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}

function fail(span: Span, error: unknown) {
  // The error's name only: messages can carry values (a failed query's parameters).
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
}

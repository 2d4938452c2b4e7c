import type http from 'node:http';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { activeSpanIds } from './tracing.js';

/**
 * Structured logs: one JSON object per line on stderr, which every log collector reads (the field
 * map for ELK is in docs/operations.md). pino writes them, behind this small interface, so call
 * sites stay `log.info(msg, fields)`. Callers pass fields, never secrets; `REDACTED_PATHS` is
 * the net under that rule: whatever a call site passes under those names is replaced before the
 * line is written.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/**
 * Credentials by name, at the top of a line's fields and inside the containers a request's data
 * travels in (`headers.authorization`, `input.password`, `variables.input.token`). Explicit paths,
 * not wildcards: pino compiles them into plain property checks, while each `*` walks every key of
 * every line (measured here: wildcards made a line about 7x slower, these paths about 1.1x).
 */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'accessToken',
  'refreshToken',
  'deviceToken',
  'apiKey',
  'secret',
  'x-organoise-internal-token',
];
const CONTAINERS = ['', 'headers', 'input', 'args', 'body', 'variables', 'variables.input', 'connectionParams', 'payload'];
export const REDACTED_PATHS = CONTAINERS.flatMap((container) =>
  SECRET_KEYS.map((key) => {
    const at = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    return container === '' ? at : at.startsWith('[') ? `${container}${at}` : `${container}.${at}`;
  }),
);
const CENSOR = '[redacted]';

export interface LoggerOptions {
  /** Where lines go (default: process.stderr). */
  destination?: DestinationStream;
}

export function createLogger(base: Record<string, unknown>, minLevel: Level | 'silent' = 'info', options: LoggerOptions = {}): Logger {
  const root = pino(
    {
      level: minLevel,
      base: null,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        // Errors anywhere at the top of a line's fields, as describeError shows them.
        log: (fields) => {
          for (const key in fields) if (fields[key] instanceof Error) return withErrorsDescribed(fields);
          return fields;
        },
      },
      // The trace of the request being served, when tracing is on: logs and traces join on it.
      mixin: () => activeSpanIds() ?? {},
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
    },
    options.destination ?? process.stderr,
  );
  return wrap(Object.keys(base).length ? root.child(base) : root);
}

function wrap(logger: PinoLogger): Logger {
  return {
    debug: (msg, fields) => (fields ? logger.debug(fields, msg) : logger.debug(msg)),
    info: (msg, fields) => (fields ? logger.info(fields, msg) : logger.info(msg)),
    warn: (msg, fields) => (fields ? logger.warn(fields, msg) : logger.warn(msg)),
    error: (msg, fields) => (fields ? logger.error(fields, msg) : logger.error(msg)),
    child: (fields) => wrap(logger.child(fields)),
  };
}

/** Probes and scrapes: at debug, so a 10-second probe does not drown the access log. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/**
 * The access log: one `request` line per HTTP request once it is over (answered, or the
 * connection closed): method, path without its query string (a GET's query and variables can
 * carry anything), status, duration, bytes sent, and the request id and W3C trace id (from
 * `traceparent`) the gateway passed on. Never headers, addresses or bodies.
 */
export function logAccess(log: Logger, req: http.IncomingMessage, res: http.ServerResponse): void {
  const started = performance.now();
  // Read now: express rewrites req.url under a mounted path.
  const url = req.url ?? '';
  res.once('close', () => {
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const length = res.getHeader('content-length');
    const header = req.headers['x-request-id'];
    const trace = TRACEPARENT.exec(typeof req.headers.traceparent === 'string' ? req.headers.traceparent : '');
    const fields = {
      method: req.method,
      path: path.length > 200 ? `${path.slice(0, 200)}...` : path,
      status: res.writableFinished ? res.statusCode : 499,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      // Unknown when the headers went out through writeHead (the lean path) or the answer streamed.
      ...(length !== undefined ? { bytes: Number(length) } : {}),
      ...(typeof header === 'string' && REQUEST_ID.test(header) ? { requestId: header } : {}),
      ...(trace ? { traceId: trace[1], parentSpanId: trace[2] } : {}),
    };
    if (QUIET_PATHS.has(path)) log.debug('request', fields);
    else log.info('request', fields);
  });
}

function withErrorsDescribed(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in fields) out[key] = fields[key] instanceof Error ? describeError(fields[key]) : fields[key];
  return out;
}

/**
 * An error as a log may show it: name, message, code and stack frames, with the cause. A failed
 * query (drizzle's DrizzleQueryError) keeps its SQL text but never its parameters, which its
 * message and stack would otherwise carry: passwords' hashes, tokens, users' data.
 */
export function describeError(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  const frames = error.stack?.split('\n').filter((line) => line.startsWith('    at ')).join('\n');
  const failedQuery = 'params' in error && 'query' in error;
  return {
    name: error.name,
    message: failedQuery ? 'Failed query (parameters withheld)' : error.message,
    ...(failedQuery && typeof error.query === 'string' ? { query: error.query } : {}),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(frames ? { stack: frames } : {}),
    ...(cause !== undefined && depth < 3 ? { cause: describeError(cause, depth + 1) } : {}),
  };
}

/**
 * A logger for Apollo's libraries (the gateway's executor, @apollo/server), which pass strings,
 * Errors or plain error objects: each is logged with its fields, never as "[object Object]".
 */
export function apolloLogger(log: Logger, levels: readonly ('debug' | 'info' | 'warn' | 'error')[] = ['info', 'warn', 'error']) {
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message: unknown) => {
    if (!levels.includes(level)) return;
    if (typeof message === 'string') return log[level](message);
    const text = message instanceof Error ? message.message : typeof (message as { message?: unknown })?.message === 'string' ? (message as { message: string }).message : 'apollo';
    log[level](text, { error: message instanceof Error ? describeError(message) : message });
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * A small structured logger: one JSON object per line on stderr, which every log collector
 * reads. Callers pass fields, never secrets (no tokens, passwords or hashes).
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(base: Record<string, unknown>, minLevel: Level | 'silent' = 'info'): Logger {
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (minLevel === 'silent' || order[level] < order[minLevel]) return;
    const line = { time: new Date().toISOString(), level, msg, ...base, ...fields };
    process.stderr.write(`${JSON.stringify(line, errorReplacer)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, minLevel),
  };
}

function errorReplacer(_key: string, value: unknown) {
  return value instanceof Error ? describeError(value) : value;
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

import type { OperationVariables, TypedDocumentNode } from '@apollo/client';
import { useEffect, useRef, useState } from 'react';
import { useApi } from '../../app/api-context';
import { errorCode } from '../../ui/errors';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'failed';

/** The server ended the stream, but resubscribing from the last cursor continues it. */
const RESUMABLE = new Set(['SLOW_CONSUMER', 'SCHEMA_RELOADED', 'SUBGRAPH_UNAVAILABLE', 'NETWORK_ERROR', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR']);
/** The cursor is too old to replay from: read afresh, then subscribe without one. */
const RESTART = new Set(['EVENT_LOG_TRUNCATED', 'RESUME_TOO_FAR_BEHIND']);

const newer = (cursor: string, than: string | null) => than === null || BigInt(cursor) > BigInt(than);

export interface LiveOptions<TData> {
  /** The cursor of an event (`cursor` of the subscription's payload). */
  cursorOf(data: TData): string | undefined;
  onEvent?(data: TData): void;
  /** After a restart without a cursor: refetch what the page shows, since events were missed. */
  onRestart?(): void;
  skip?: boolean;
}

/**
 * A subscription that survives the network: after a dropped socket, a laptop sleep or a
 * resumable refusal it subscribes again with `after` = the last cursor it saw, so the gateway
 * replays every missed event once, in order (docs/protocols/subscriptions.md). An event at or
 * before the last cursor is dropped, so a replay that overlaps is harmless. Each event is written
 * to the Apollo cache like any result, so the queries showing the same objects update themselves.
 */
export function useLiveSubscription<TData, TVariables extends OperationVariables & { after?: string | null }>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: Omit<TVariables, 'after'>,
  options: LiveOptions<TData>,
): { status: LiveStatus; error: unknown; lastCursor: string | null } {
  const { client, ws, wsConnected } = useApi();
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [error, setError] = useState<unknown>(null);
  const [lastCursor, setLastCursor] = useState<string | null>(null);
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const key = JSON.stringify(variables);

  useEffect(() => {
    if (options.skip) return;
    let cursor: string | null = null;
    let stopped = false;
    let attempt = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let current: { unsubscribe(): void } | undefined;

    const start = () => {
      clearTimeout(retry);
      current?.unsubscribe();
      const handleError = (caught: unknown) => {
        if (stopped) return;
        const code = errorCode(caught);
        if (RESTART.has(code)) {
          cursor = null;
          optionsRef.current.onRestart?.();
          schedule();
        } else if (RESUMABLE.has(code)) schedule();
        else {
          setError(caught);
          setStatus('failed');
        }
      };
      const subscription = client.subscribe({ query: document, variables: { ...variables, after: cursor } as unknown as TVariables }).subscribe({
        next: (result) => {
          if (result.error) return handleError(result.error);
          if (!result.data) return;
          const eventCursor = optionsRef.current.cursorOf(result.data as TData);
          if (eventCursor !== undefined) {
            if (!newer(eventCursor, cursor)) return;
            cursor = eventCursor;
            setLastCursor(eventCursor);
          }
          attempt = 0;
          setStatus('live');
          setError(null);
          optionsRef.current.onEvent?.(result.data as TData);
        },
        error: handleError,
        // The server completes a stream it will not continue (the viewer left the organization...);
        // resubscribing tells which: a refusal then stops for good.
        complete: () => {
          if (!stopped) schedule();
        },
      });
      current = subscription;
    };

    const schedule = () => {
      clearTimeout(retry);
      if (!navigator.onLine) {
        setStatus('offline');
        return; // the 'online' event resumes at once
      }
      setStatus('reconnecting');
      // 0.5 s, 1 s, 2 s ... up to 15 s, jittered so that a fleet of tabs does not reconnect in step.
      const delay = Math.min(15_000, 500 * 2 ** attempt++) * (0.75 + Math.random() / 2);
      retry = setTimeout(start, delay);
    };

    const online = () => {
      attempt = 0;
      start();
    };
    const offline = () => setStatus('offline');
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    setStatus(wsConnected() ? 'live' : 'connecting');
    start();
    // Live once the socket is up: the gateway starts the stream on the subscribe message that follows.
    const offConnected = ws.on('connected', () => setStatus((s) => (s === 'connecting' || s === 'reconnecting' ? 'live' : s)));
    return () => {
      stopped = true;
      clearTimeout(retry);
      offConnected();
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      current?.unsubscribe();
    };
    // The variables are compared by value (key); the document is a module constant.
  }, [client, ws, wsConnected, document, key, options.skip]);

  return { status, error, lastCursor };
}

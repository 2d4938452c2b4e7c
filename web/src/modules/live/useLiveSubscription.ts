import type { OperationVariables, TypedDocumentNode } from '@apollo/client';
import { apolloLiveSource, ResumableSubscription, type LiveStatus } from '@organoise/client';
import { useEffect, useRef, useState } from 'react';
import { useApi } from '../../app/api-context';

export interface UseLiveOptions<TData> {
  /** The cursor of an event (`cursor` of the subscription's payload). */
  cursorOf(data: TData): string | undefined;
  onEvent?(data: TData): void;
  /** After a restart without a cursor: refetch what the page shows, since events were missed. */
  onRestart?(): void;
  skip?: boolean;
}

/**
 * A ResumableSubscription (packages/client) for as long as the page shows it: after a dropped
 * socket, a laptop sleep or a resumable refusal it subscribes again from the last cursor it saw,
 * so the gateway replays every missed event once (docs/protocols/subscriptions.md). Each event is
 * written to the Apollo cache like any result, so the queries showing the same objects update.
 */
export function useLiveSubscription<TData, TVariables extends OperationVariables & { after?: string | null }>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: Omit<TVariables, 'after'>,
  options: UseLiveOptions<TData>,
): { status: LiveStatus; error: unknown } {
  const api = useApi();
  const [state, setState] = useState<{ status: LiveStatus; error: unknown }>({ status: 'connecting', error: null });
  const optionsRef = useRef(options);
  optionsRef.current = options;
  // The variables are compared by value; the document is a module constant.
  const key = JSON.stringify(variables);

  useEffect(() => {
    if (options.skip) return;
    const live = new ResumableSubscription(apolloLiveSource(api.client, document, JSON.parse(key) as Omit<TVariables, 'after'>), {
      cursorOf: (data) => optionsRef.current.cursorOf(data),
      onEvent: (data) => optionsRef.current.onEvent?.(data),
      onRestart: () => optionsRef.current.onRestart?.(),
      onStatus: (status, error) => setState({ status, error: error ?? null }),
      isOnline: () => navigator.onLine,
      isConnected: api.wsConnected,
    });
    const online = () => live.online();
    const offline = () => live.offline();
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    live.start();
    // Live once the socket is up: the gateway starts the stream on the subscribe message that follows.
    const offConnected = api.ws.on('connected', () => live.connected());
    return () => {
      offConnected();
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      live.stop();
    };
  }, [api, document, key, options.skip]);

  return state;
}

import type { OperationVariables, TypedDocumentNode } from '@apollo/client';
import { apolloLiveSource, ResumableSubscription, type LiveStatus } from '@organoise/client';
import { useEffect, useRef, useState } from 'react';
import { isOnline, onNetworkChange } from './network';
import { useApi } from './session';

export interface UseLiveOptions<TData> {
  cursorOf(data: TData): string | undefined;
  onEvent?(data: TData): void;
  onRestart?(): void;
  skip?: boolean;
}

/** A ResumableSubscription (packages/client) for as long as the screen is shown. */
export function useLive<TData, TVariables extends OperationVariables & { after?: string | null }>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: Omit<TVariables, 'after'>,
  options: UseLiveOptions<TData>,
): { status: LiveStatus; error: unknown } {
  const api = useApi();
  const [state, setState] = useState<{ status: LiveStatus; error: unknown }>({ status: 'connecting', error: null });
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const key = JSON.stringify(variables);

  useEffect(() => {
    if (options.skip) return;
    const live = new ResumableSubscription(apolloLiveSource(api.client, document, JSON.parse(key) as Omit<TVariables, 'after'>), {
      cursorOf: (data) => optionsRef.current.cursorOf(data),
      onEvent: (data) => optionsRef.current.onEvent?.(data),
      onRestart: () => optionsRef.current.onRestart?.(),
      onStatus: (status, error) => setState({ status, error: error ?? null }),
      isOnline,
      isConnected: api.wsConnected,
    });
    live.start();
    const offConnected = api.ws.on('connected', () => live.connected());
    const offNetwork = onNetworkChange((online) => (online ? live.online() : live.offline()));
    return () => {
      offConnected();
      offNetwork();
      live.stop();
    };
  }, [api, document, key, options.skip]);

  return state;
}

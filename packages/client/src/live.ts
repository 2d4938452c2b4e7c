import type { ApolloClient, OperationVariables, TypedDocumentNode } from '@apollo/client';
import { errorCode } from './errors';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'failed';

/** The server ended the stream, but subscribing again from the last cursor continues it. */
const RESUMABLE = new Set(['SLOW_CONSUMER', 'SCHEMA_RELOADED', 'SUBGRAPH_UNAVAILABLE', 'NETWORK_ERROR', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR']);
/** The cursor is too old to replay from: read afresh, then subscribe without one. */
const RESTART = new Set(['EVENT_LOG_TRUNCATED', 'RESUME_TOO_FAR_BEHIND']);

/** Cursors are decimal positions in a stream (docs/protocols/subscriptions.md). */
export const isNewer = (cursor: string, than: string | null) => than === null || BigInt(cursor) > BigInt(than);

export interface LiveObserver<TData> {
  next(data: TData): void;
  error(error: unknown): void;
  complete(): void;
}

/** One subscription attempt starting after `after` (null: from now); returns how to end it. */
export type LiveSource<TData> = (after: string | null, observer: LiveObserver<TData>) => () => void;

export interface LiveOptions<TData> {
  /** The cursor of an event (`cursor` of the subscription's payload). */
  cursorOf(data: TData): string | undefined;
  onEvent?(data: TData): void;
  /** After a restart without a cursor: refetch what the screen shows, since events were missed. */
  onRestart?(): void;
  onStatus?(status: LiveStatus, error?: unknown): void;
  /** Whether the device has a network now; without one, resuming waits for `online()`. */
  isOnline?(): boolean;
  /**
   * Whether the socket is open now. A subscription that resumes on a socket another one has
   * already reopened hears no `connected()`: without this it would say reconnecting until an
   * event came.
   */
  isConnected?(): boolean;
}

/**
 * A subscription that survives the network (free of React, so it is tested on its own; the web
 * app's useLiveSubscription and the phone's useLive hold one per screen): after a dropped socket or a resumable refusal it
 * subscribes again with `after` = the last cursor it saw, so the gateway replays every missed
 * event once, in order. An event at or before the last cursor is dropped, so an overlapping replay
 * shows nothing twice.
 */
export class ResumableSubscription<TData> {
  private cursor: string | null = null;
  private attempt = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private current: (() => void) | undefined;
  private stopped = true;
  private status: LiveStatus = 'connecting';

  constructor(
    private readonly source: LiveSource<TData>,
    private readonly options: LiveOptions<TData>,
  ) {}

  get lastCursor(): string | null {
    return this.cursor;
  }

  start(): void {
    this.stopped = false;
    this.setStatus('connecting');
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.end();
  }

  /** The device is back online: resume at once rather than after the backoff. */
  online(): void {
    if (this.stopped) return;
    this.attempt = 0;
    this.open();
  }

  /** The device lost its network: the socket is dead even if it has not noticed yet. */
  offline(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.end();
    this.setStatus('offline');
  }

  /** The socket is connected again (graphql-ws `connected`): the stream restarted on it. */
  connected(): void {
    if (this.status === 'connecting' || this.status === 'reconnecting') this.setStatus('live');
  }

  private open(): void {
    clearTimeout(this.retry);
    this.end();
    let ended = false;
    const handleError = (caught: unknown) => {
      if (ended || this.stopped) return;
      ended = true;
      const code = errorCode(caught);
      if (RESTART.has(code)) {
        this.cursor = null;
        this.options.onRestart?.();
        this.schedule();
      } else if (RESUMABLE.has(code)) this.schedule();
      else {
        this.stopped = true;
        this.setStatus('failed', caught);
      }
    };
    this.current = this.source(this.cursor, {
      next: (data) => {
        if (ended || this.stopped) return;
        const eventCursor = this.options.cursorOf(data);
        if (eventCursor !== undefined) {
          if (!isNewer(eventCursor, this.cursor)) return;
          this.cursor = eventCursor;
        }
        this.attempt = 0;
        this.setStatus('live');
        this.options.onEvent?.(data);
      },
      error: handleError,
      // The server completes a stream it will not continue (the viewer left the organization...);
      // subscribing again tells which: a refusal then stops for good.
      complete: () => {
        if (ended || this.stopped) return;
        ended = true;
        this.schedule();
      },
    });
    if (ended || this.stopped) return;
    if (this.options.isConnected?.()) this.setStatus('live');
    else if (this.status === 'offline') this.setStatus('reconnecting');
  }

  private end(): void {
    const current = this.current;
    this.current = undefined;
    current?.();
  }

  private schedule(): void {
    clearTimeout(this.retry);
    this.end();
    if (this.options.isOnline && !this.options.isOnline()) {
      this.setStatus('offline');
      return; // online() resumes at once
    }
    this.setStatus('reconnecting');
    // 0.5 s, 1 s, 2 s ... up to 15 s, jittered so that a fleet of phones does not reconnect in step.
    const delay = Math.min(15_000, 500 * 2 ** this.attempt++) * (0.75 + Math.random() / 2);
    this.retry = setTimeout(() => this.open(), delay);
  }

  private setStatus(status: LiveStatus, error?: unknown): void {
    this.status = status;
    this.options.onStatus?.(status, error);
  }
}

/** A LiveSource over Apollo Client: each event is also written to its cache, like any result. */
export function apolloLiveSource<TData, TVariables extends OperationVariables & { after?: string | null }>(
  client: ApolloClient,
  document: TypedDocumentNode<TData, TVariables>,
  variables: Omit<TVariables, 'after'>,
): LiveSource<TData> {
  return (after, observer) => {
    const subscription = client.subscribe({ query: document, variables: { ...variables, after } as unknown as TVariables }).subscribe({
      next: (result) => {
        if (result.error) observer.error(result.error);
        else if (result.data) observer.next(result.data as TData);
      },
      error: (error: unknown) => observer.error(error),
      complete: () => observer.complete(),
    });
    return () => subscription.unsubscribe();
  };
}

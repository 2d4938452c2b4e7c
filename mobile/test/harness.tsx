import { ApolloClient, ApolloLink } from '@apollo/client';
import { createApi, createCache, memoryTokenStore, REFRESH_KEY, Session, type Api, type MyOrganizationsQuery, type MyTasksChangedSubscription, type MyTasksQuery, type RunDetailFieldsFragment, type TaskFieldsFragment, type WorkflowRunsChangedSubscription } from '@organoise/client';
import { jest } from '@jest/globals';
import { renderRouter } from 'expo-router/testing-library';
import { Observable, type Observer } from 'rxjs';
import InboxScreen from '../app/index';
import DeletedFilesScreen from '../app/deleted-files';
import OrganizationsScreen from '../app/organizations';
import RunScreen from '../app/runs/[id]';
import SignInScreen from '../app/sign-in';
import TaskScreen from '../app/tasks/[id]';
import { AppRoot } from '../src/root';

/**
 * What the app's tests stand on. The app itself is real: its screens, expo-router, the session
 * (packages/client's Session), Apollo Client with the app's InMemoryCache and its persistence.
 * Stood in: the gateway (no gateway runs inside jest; e2e/mobile.e2e.ts drives the same app
 * against the whole stack), and the native modules that cannot run under Node, mocked in
 * test/setup.ts (expo-network, AsyncStorage).
 */

type Result = ApolloLink.Result;
type Handler = (variables: Record<string, unknown>) => Result | Promise<Result>;

/** A live stream the stand-in gateway keeps, with its log of events for resuming by cursor. */
interface Stream {
  log: { cursor: string; data: Record<string, unknown> }[];
  open: Set<{ variables: Record<string, unknown>; observer: Observer<Result> }>;
}

/**
 * The gateway as the app sees it through Apollo Link: queries and mutations answered by name,
 * subscriptions that replay their log after the `after` cursor a client sends (as the real
 * gateway's event log does, docs/protocols/subscriptions.md) and then stay open.
 */
export class StandInGateway {
  readonly requests: { operationName: string; variables: Record<string, unknown> }[] = [];
  readonly handlers = new Map<string, Handler>();
  private readonly streams = new Map<string, Stream>();
  private nextCursor = 100;
  /** Replays the event at the client's cursor too, to prove the app shows nothing twice. */
  overlapReplay = false;
  reachable = true;

  readonly link = new ApolloLink(
    (operation) =>
      new Observable<Result>((observer) => {
        const name = operation.operationName ?? '';
        this.requests.push({ operationName: name, variables: operation.variables });
        if (!this.reachable) {
          observer.error(new TypeError('Network request failed'));
          return;
        }
        const stream = this.streams.get(name);
        if (stream) {
          const after = operation.variables.after as string | null | undefined;
          for (const event of stream.log) {
            if (after != null && (this.overlapReplay ? BigInt(event.cursor) < BigInt(after) : BigInt(event.cursor) <= BigInt(after))) continue;
            // Without a cursor a subscription starts from now: nothing is replayed.
            if (after == null) continue;
            observer.next({ data: event.data });
          }
          const entry = { variables: operation.variables, observer };
          stream.open.add(entry);
          return () => void stream.open.delete(entry);
        }
        const handler = this.handlers.get(name);
        if (!handler) {
          observer.next({ errors: [{ message: `no stand-in for ${name}`, extensions: { code: 'NOT_FOUND' } }] } as Result);
          observer.complete();
          return;
        }
        let ended = false;
        void Promise.resolve(handler(operation.variables)).then((result) => {
          if (ended) return;
          observer.next(result);
          observer.complete();
        });
        return () => void (ended = true);
      }),
  );

  answer(operationName: string, handler: Handler): void {
    this.handlers.set(operationName, handler);
  }

  stream(operationName: string): void {
    this.streams.set(operationName, { log: [], open: new Set() });
  }

  /** Appends an event to a stream and sends it to the clients subscribed now; returns its cursor. */
  publish(operationName: string, build: (cursor: string) => Record<string, unknown>): string {
    const stream = this.streams.get(operationName)!;
    const cursor = String(this.nextCursor++);
    const data = build(cursor);
    stream.log.push({ cursor, data });
    for (const { observer } of stream.open) observer.next({ data });
    return cursor;
  }

  /** The socket died: every open subscription ends with a network error. */
  dropSockets(): void {
    for (const stream of this.streams.values()) {
      for (const entry of [...stream.open]) {
        stream.open.delete(entry);
        entry.observer.error(new TypeError('Socket closed'));
      }
    }
  }

  subscriptions(operationName: string): number {
    return this.streams.get(operationName)?.open.size ?? 0;
  }

  named(operationName: string) {
    return this.requests.filter((r) => r.operationName === operationName);
  }
}

/** An Api as createApi makes it, over the stand-in gateway instead of HTTP and a socket. */
export function standInApi(gateway: StandInGateway, session: Session): Api {
  // A real graphql-ws client (lazy: it never connects) for the parts useLive listens to.
  const { ws, dispose } = createApi({ url: 'http://127.0.0.1:9/graphql', session });
  const client = new ApolloClient({ link: gateway.link, cache: createCache() });
  return {
    client,
    ws,
    wsConnected: () => gateway.reachable,
    dropSocket: () => gateway.dropSockets(),
    dispose: () => {
      client.stop();
      dispose();
    },
  };
}

/** A JWT-shaped token (header.payload.signature) living `lifetimeS` seconds from now; the app reads, never verifies, it. */
export function accessToken(lifetimeS: number, serial: number): string {
  const iat = Math.floor(Date.now() / 1000);
  const payload = btoa(JSON.stringify({ sub: 'u1', iat, exp: iat + lifetimeS, n: serial })).replace(/=+$/, '');
  return `eyJhbGciOiJIUzI1NiJ9.${payload}.signature`;
}

/**
 * The session's own calls (sign-in, refresh, sign-out) go by fetch, outside Apollo: a fetch that
 * answers them as the gateway would, recording each operation's name and when it was sent.
 */
export function authFetch(options: { lifetimeS?: number } = {}) {
  const calls: { operationName: string; at: number; variables: Record<string, unknown> }[] = [];
  let serial = 0;
  const auth = () => ({
    __typename: 'AuthPayload' as const,
    accessToken: accessToken(options.lifetimeS ?? 900, ++serial),
    expiresAt: new Date(Date.now() + (options.lifetimeS ?? 900) * 1000).toISOString(),
    refreshToken: `refresh-${serial}`,
    deviceToken: null,
    user: { __typename: 'User' as const, id: 'u1', name: 'Ada', email: 'ada@example.test' },
  });
  const fetch = jest.fn(async (_url: unknown, init?: { body?: unknown }) => {
    const body = JSON.parse(String(init?.body)) as { operationName: string; variables: Record<string, unknown> };
    calls.push({ operationName: body.operationName, at: Date.now(), variables: body.variables });
    const data =
      body.operationName === 'RefreshSession' ? { refreshSession: auth() } : body.operationName === 'SignIn' ? { signIn: auth() } : { [body.operationName[0]!.toLowerCase() + body.operationName.slice(1)]: true };
    return { status: 200, json: async () => ({ data }) } as unknown as Response;
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

/** A Session already holding a refresh token, as after an earlier launch: restore() signs Ada in. */
export function signedInSession(fetch: typeof globalThis.fetch) {
  const store = memoryTokenStore();
  store.values.set(REFRESH_KEY, 'refresh-0');
  return new Session({ url: 'http://gateway.test/graphql', store, fetch });
}

/** The phone's storage as a Map, kept between two renders of the app (two launches). */
export const memoryStore = memoryTokenStore;

/** The app with all its screens, through expo-router, at `initialUrl`. */
export async function renderApp(options: { gateway: StandInGateway; session: Session; store?: ReturnType<typeof memoryStore>; initialUrl?: string }) {
  const { gateway, session } = options;
  const store = options.store ?? memoryStore();
  const createSession = () => session;
  const makeApi = (s: Session) => standInApi(gateway, s);
  const Layout = () => <AppRoot createSession={createSession} makeApi={makeApi} store={store} />;
  return renderRouter(
    { _layout: Layout, index: InboxScreen, 'sign-in': SignInScreen, organizations: OrganizationsScreen, 'deleted-files': DeletedFilesScreen, 'tasks/[id]': TaskScreen, 'runs/[id]': RunScreen },
    { initialUrl: options.initialUrl ?? '/' },
  );
}

// Fixtures: what the gateway answers, typed by the app's own operations.

type Organization = MyOrganizationsQuery['organizations']['nodes'][number];
export const organization = (id: string, name: string, viewerRole: Organization['viewerRole'] = 'MEMBER'): Organization => ({ __typename: 'Organization', id, name, slug: id, viewerRole });

export function organizations(...nodes: Organization[]): MyOrganizationsQuery {
  return { __typename: 'Query', viewer: { __typename: 'User', id: 'u1', name: 'Ada', email: 'ada@example.test' }, organizations: { __typename: 'OrganizationConnection', nodes } };
}

export function task(id: string, options: { status?: 'OPEN' | 'DONE'; organizationId?: string; runId?: string; title?: string } = {}): TaskFieldsFragment {
  return {
    __typename: 'HumanTask',
    id,
    title: options.title ?? `Approve expense ${id}`,
    state: 'review',
    status: (options.status ?? 'OPEN') as TaskFieldsFragment['status'],
    viewerIsAssignee: true,
    assigneeRole: null,
    createdAt: '2026-12-05T12:00:00Z',
    assignee: { __typename: 'User', id: 'u1', name: 'Ada' },
    organization: { __typename: 'Organization', id: options.organizationId ?? 'org-1' },
    run: {
      __typename: 'WorkflowRun',
      id: options.runId ?? `run-${id}`,
      state: 'review',
      status: 'ACTIVE' as TaskFieldsFragment['run']['status'],
      definition: { __typename: 'WorkflowDefinition', id: 'def-1', name: 'Expense' },
      availableTransitions: [],
    },
  };
}

export function inbox(...nodes: TaskFieldsFragment[]): MyTasksQuery {
  return { __typename: 'Query', myTasks: { __typename: 'HumanTaskConnection', totalCount: nodes.length, nodes } };
}

export function taskEvent(cursor: string, node: TaskFieldsFragment): MyTasksChangedSubscription {
  return { myTasksChanged: { __typename: 'HumanTaskEvent', cursor, type: node.status === 'OPEN' ? 'workflow.task.opened' : 'workflow.task.completed', at: '2026-12-05T12:00:00Z', task: node } };
}

export function runEvent(cursor: string, runId: string, status: string, startedBy: string): WorkflowRunsChangedSubscription {
  return {
    workflowRunsChanged: {
      __typename: 'WorkflowRunEvent',
      cursor,
      type: status === 'CANCELLED' ? 'workflow.run.cancelled' : 'workflow.run.completed',
      at: '2026-12-05T12:00:00Z',
      run: { __typename: 'WorkflowRun', id: runId, state: 'approved', status: status as RunDetailFieldsFragment['status'], startedBy: { __typename: 'User', id: startedBy }, definition: { __typename: 'WorkflowDefinition', id: 'def-1', name: 'Expense' } },
    },
  };
}

export function runDetail(id: string, state: string, transitions: { name: string; from: string; to: string }[]): RunDetailFieldsFragment {
  return {
    __typename: 'WorkflowRun',
    id,
    state,
    status: 'ACTIVE' as RunDetailFieldsFragment['status'],
    createdAt: '2026-12-05T12:00:00Z',
    updatedAt: '2026-12-05T12:00:00Z',
    finishedAt: null,
    organization: { __typename: 'Organization', id: 'org-1' },
    definition: { __typename: 'WorkflowDefinition', id: 'def-1', name: 'Expense' },
    startedBy: { __typename: 'User', id: 'u2', name: 'Linus' },
    availableTransitions: transitions.map((t) => ({ __typename: 'WorkflowTransition' as const, ...t })),
    history: { __typename: 'WorkflowRunHistoryConnection', nodes: [] },
  };
}

/** A gateway with Ada's two organizations, an empty inbox in each and the live streams open. */
export function gatewayFor(tasks: Record<string, TaskFieldsFragment[]> = {}) {
  const gateway = new StandInGateway();
  gateway.answer('MyOrganizations', () => ({ data: organizations(organization('org-1', 'Acme'), organization('org-2', 'Globex')) }));
  gateway.answer('MyTasks', (v) => ({ data: inbox(...(tasks[String(v.organizationId)] ?? [])) }));
  gateway.stream('MyTasksChanged');
  gateway.stream('WorkflowRunsChanged');
  gateway.stream('WorkflowRunUpdated');
  return gateway;
}

import type { ApolloClient } from '@apollo/client';
import { DashboardDocument, MyOrganizationsDocument, type FirstScreenQuery, type SentRequest } from '@organoise/client';

/**
 * What the page's boot script (web/boot-plugin.ts, inlined in the built index.html) started
 * before this bundle arrived: the session's refresh and, on the dashboard's path, the first
 * screen's data. Absent in development (`npm run dev`) and when the tab holds no session.
 */
interface Boot {
  refresh: Promise<SentRequest>;
  firstScreen: Promise<SentRequest | null> | null;
  /** The start of the dashboard's window the first screen was read for. */
  from: string | null;
}

const boot = (window as { __organoiseBoot?: Boot }).__organoiseBoot ?? null;
// Taken: the page keeps no global handle on the session's answers (they carry its tokens).
delete (window as { __organoiseBoot?: Boot }).__organoiseBoot;
let refresh = boot?.refresh;
let firstScreen = boot?.firstScreen ?? null;
let dashboard: { organizationId: string; from: string } | null = null;

/** The refresh the boot script sent, once (the Session takes its answer as its own: the token it spent works once). */
export function takeBootRefresh(): Promise<SentRequest> | undefined {
  const taken = refresh;
  refresh = undefined;
  return taken;
}

let answered: Promise<FirstScreenQuery | null> | null = null;

/**
 * The first screen's answer the boot script read (null when there is none, it failed or it carries
 * any error), without Apollo Client: App.tsx's first paint draws the dashboard from it while Apollo
 * Client loads. The same promise every time, until a client has taken it (takeFirstScreen).
 */
export function firstScreenAnswer(): Promise<FirstScreenQuery | null> {
  answered ??= (async () => {
    if (!firstScreen || !boot?.from) return null;
    const answer = (await firstScreen.catch(() => null))?.body as { data?: FirstScreenQuery; errors?: unknown[] } | null | undefined;
    return answer?.data && !answer.errors?.length ? answer.data : null;
  })();
  return answered;
}

/** The first screen's answer once it has settled (undefined before), so a render can take it without waiting a turn. */
let settled: FirstScreenQuery | null | undefined;
// Awaited from the start: by the time the bundle runs, the answer is usually in (npm run bench:web).
if (firstScreen && boot?.from) void firstScreenAnswer().then((data) => void (settled = data));

/** The first screen's answer if it has settled already, else undefined (then await firstScreenAnswer). */
export const settledFirstScreen = (): FirstScreenQuery | null | undefined => (answered === null ? undefined : settled);

/** Whether the boot script read the first screen and no client has taken it yet (then firstScreenAnswer is worth waiting for). */
export const firstScreenSent = (): boolean => Boolean(firstScreen && boot?.from);

/**
 * Once, in a new client: the first screen's answer written into its cache as MyOrganizations' and
 * Dashboard's results, so those queries are answered without a request. Resolves when written, or
 * at once when there is nothing to write; an answer with any error is dropped (the queries then go
 * out as usual and show the error themselves).
 */
export async function takeFirstScreen(client: ApolloClient): Promise<void> {
  if (!firstScreen) return;
  const data = await firstScreenAnswer();
  firstScreen = null;
  answered = Promise.resolve(null);
  settled = null;
  if (!data || !boot?.from) return;
  client.writeQuery({ query: MyOrganizationsDocument, data: { __typename: 'Query', viewer: data.viewer, organizations: data.organizations } });
  const organization = data.organization ?? data.firstOrganization?.nodes[0] ?? null;
  if (!organization) return;
  client.writeQuery({ query: DashboardDocument, variables: { organizationId: organization.id, from: boot.from }, data: { __typename: 'Query', organization } });
  dashboard = { organizationId: organization.id, from: boot.from };
}

/**
 * The window start the dashboard of this organization was read for, so its first query is the one
 * in the cache. Read during render, which React may do more than once before it commits (a
 * sibling suspending), so it holds until the dashboard has shown once: forgetDashboardFrom.
 */
export function bootDashboardFrom(organizationId: string): string | null {
  return dashboard?.organizationId === organizationId ? dashboard.from : null;
}

/** The dashboard has shown: a later visit reads its own window. */
export function forgetDashboardFrom(): void {
  dashboard = null;
}

import { describe, expect, it } from '@jest/globals';
import { act, cleanup, fireEvent, screen, waitFor } from 'expo-router/testing-library';
import { createCache, MyTasksDocument } from '@organoise/client';
import { CACHE_KEY, persistCache } from '../src/offline-cache';
import { authFetch, gatewayFor, inbox, memoryStore, renderApp, signedInSession, task, taskEvent } from './harness';
import { setOnline } from './network-mock';

// The Apollo cache kept between launches (src/offline-cache.ts) on the real app; the phone's
// storage is a Map with AsyncStorage's shape, the gateway a stand-in (test/harness.tsx).

/** A first launch, online: the inbox read and saved; then the app is closed. */
async function launchOnlineAndClose(store: ReturnType<typeof memoryStore>) {
  const gateway = gatewayFor({ 'org-1': [task('t1')] });
  await renderApp({ gateway, session: signedInSession(authFetch().fetch), store });
  await screen.findByText('Approve expense t1');
  await waitFor(() => expect(gateway.subscriptions('MyTasksChanged')).toBe(1));
  // An event after the first read is saved too.
  await act(async () => void gateway.publish('MyTasksChanged', (cursor) => taskEvent(cursor, task('t2'))));
  await screen.findByText('Approve expense t2');
  await waitFor(() => expect(store.values.get(CACHE_KEY) ?? '').toContain('Approve expense t2'), { timeout: 10_000 });
  // Closed as the test library closes an app between tests.
  await cleanup();
}

/** The same phone launched without a network: the gateway cannot be reached, for the session's refresh too. */
function offlineGateway() {
  const gateway = gatewayFor();
  gateway.reachable = false;
  const auth = authFetch();
  const fetch = (async (...args: Parameters<typeof auth.fetch>) => (gateway.reachable ? auth.fetch(...args) : Promise.reject(new TypeError('Network request failed')))) as typeof globalThis.fetch;
  return { gateway, session: signedInSession(fetch), auth };
}

describe('the cache kept between launches', () => {
  it('should show the inbox last seen when the app starts again without a network, and carry on when it returns', async () => {
    const store = memoryStore();
    await launchOnlineAndClose(store);

    const { gateway, session, auth } = offlineGateway();
    await act(async () => setOnline(false));
    await renderApp({ gateway, session, store });
    expect(await screen.findByText('Approve expense t1')).toBeTruthy();
    expect(screen.getByText('Approve expense t2')).toBeTruthy();
    expect(screen.getByLabelText('2 open tasks')).toBeTruthy();
    expect(screen.getByLabelText('Organization: Acme. Switch organization')).toBeTruthy();

    // Back online: the session resumes (one refresh), the inbox goes live again.
    gateway.reachable = true;
    await act(async () => setOnline(true));
    await waitFor(() => expect(auth.calls.map((c) => c.operationName)).toContain('RefreshSession'));
    expect(await screen.findByLabelText('Live updates: Live', {}, { timeout: 10_000 })).toBeTruthy();
    expect(screen.getByText('Approve expense t1')).toBeTruthy();
  });

  it('should read afresh at a launch with a network: a task assigned while the app was closed shows', async () => {
    const store = memoryStore();
    await launchOnlineAndClose(store);
    const gateway = gatewayFor({ 'org-1': [task('t1'), task('t3')] });
    await renderApp({ gateway, session: signedInSession(authFetch().fetch), store });
    expect(await screen.findByText('Approve expense t3')).toBeTruthy();
    // t2 was done while the app was closed: the gateway's answer replaces what was saved.
    await waitFor(() => expect(screen.queryByText('Approve expense t2')).toBeNull());
    expect(gateway.named('MyTasks')).toHaveLength(1);
  });

  it('should show nothing of one person to another, and forget it on sign-out', async () => {
    // Linus used the phone before Ada: his inbox is saved.
    const store = memoryStore();
    const his = createCache();
    his.writeQuery({ query: MyTasksDocument, variables: { organizationId: 'org-1' }, data: inbox(task('t1')) });
    const persistence = persistCache(his, store, { id: 'u2', name: 'Linus' }, 0);
    his.writeQuery({ query: MyTasksDocument, variables: { organizationId: 'org-1' }, data: inbox(task('t1')) });
    await persistence.flush();
    expect(store.values.get(CACHE_KEY)).toContain('Approve expense t1');

    const gateway = gatewayFor();
    await renderApp({ gateway, session: signedInSession(authFetch().fetch), store });
    await screen.findByText('Nothing waiting for you. New tasks appear here as they are assigned.');
    expect(screen.queryByText('Approve expense t1')).toBeNull();

    await fireEvent.press(screen.getByRole('button', { name: 'Sign out' }));
    await screen.findByLabelText('Email');
    await waitFor(() => expect(store.values.has(CACHE_KEY)).toBe(false));
  });

  it('should start at the sign-in screen without a network when nothing was saved', async () => {
    const { gateway, session } = offlineGateway();
    await act(async () => setOnline(false));
    await renderApp({ gateway, session, store: memoryStore() });
    expect(await screen.findByLabelText('Email')).toBeTruthy();
    expect(screen.getByText('The service could not be reached to resume your session. Sign in when you are back online.')).toBeTruthy();
  });
});

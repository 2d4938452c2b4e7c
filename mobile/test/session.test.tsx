import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { REFRESH_MARGIN_MS } from '@organoise/client';
import { act, fireEvent, screen } from 'expo-router/testing-library';
import { authFetch, gatewayFor, renderApp, signedInSession } from './harness';

// The session inside the real app: packages/client's Session with a fetch standing in for the
// gateway's auth calls (test/harness.tsx); timers are jest's fake ones, so "15 minutes later"
// takes no time on a busy machine.

afterEach(() => {
  jest.useRealTimers();
});

describe('the session in the app', () => {
  it('should refresh the access token a minute before it expires, and stay signed in', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const lifetimeS = 15 * 60;
    const auth = authFetch({ lifetimeS });
    const session = signedInSession(auth.fetch);
    await renderApp({ gateway: gatewayFor(), session });
    await screen.findByText('Nothing waiting for you. New tasks appear here as they are assigned.');
    const refreshes = () => auth.calls.filter((c) => c.operationName === 'RefreshSession');
    // At launch the stored refresh token was traded for the first access token.
    expect(refreshes()).toHaveLength(1);
    const first = await session.getAccessToken();
    const expiresAt = refreshes()[0]!.at + lifetimeS * 1000;

    await act(async () => void jest.advanceTimersByTime(lifetimeS * 1000 - REFRESH_MARGIN_MS - 1000));
    expect(refreshes()).toHaveLength(1);
    await act(async () => void jest.advanceTimersByTime(2000));
    expect(refreshes()).toHaveLength(2);
    expect(refreshes()[1]!.at).toBeLessThan(expiresAt);
    // The single-use refresh token of the first answer was the one sent, and a new access token is used.
    expect(refreshes()[1]!.variables).toEqual({ refreshToken: 'refresh-1' });
    const second = await session.getAccessToken();
    expect(second).not.toBe(first);
    expect(screen.getByLabelText('Inbox')).toBeTruthy();
  });

  it('should go back to the sign-in screen when the person signs out', async () => {
    const auth = authFetch();
    const session = signedInSession(auth.fetch);
    await renderApp({ gateway: gatewayFor(), session });
    await screen.findByText('Nothing waiting for you. New tasks appear here as they are assigned.');
    await fireEvent.press(screen.getByRole('button', { name: 'Sign out everywhere' }));
    expect(await screen.findByLabelText('Email')).toBeTruthy();
    expect(auth.calls.map((c) => c.operationName)).toContain('SignOutEverywhere');
  });
});

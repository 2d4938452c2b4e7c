import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { screen, within } from 'expo-router/testing-library';
import { StyleSheet } from 'react-native';
import { authFetch, gatewayFor, renderApp, signedInSession, task } from './harness';

// The phone's light or dark setting and what a screen reader is told, on the real inbox. The
// setting comes from the phone (a native module): React Native's jest preset replaces
// useColorScheme with a jest.fn answering 'light', which the test sets as the phone would be.
const useColorScheme = (require('react-native/Libraries/Utilities/useColorScheme') as { default: jest.Mock<() => string> }).default;

afterEach(() => {
  useColorScheme.mockReturnValue('light');
});

const background = (label: string) => StyleSheet.flatten(screen.getByLabelText(label).props.style).backgroundColor;

describe('appearance and screen readers', () => {
  it('should follow the phone into dark mode', async () => {
    useColorScheme.mockReturnValue('dark');
    await renderApp({ gateway: gatewayFor({ 'org-1': [task('t1')] }), session: signedInSession(authFetch().fetch) });
    await screen.findByText('Approve expense t1');
    expect(background('Inbox')).toBe('#101418');
  });

  it('should stay light when the phone is', async () => {
    useColorScheme.mockReturnValue('light');
    await renderApp({ gateway: gatewayFor({ 'org-1': [task('t1')] }), session: signedInSession(authFetch().fetch) });
    await screen.findByText('Approve expense t1');
    expect(background('Inbox')).toBe('#f4f6f8');
  });

  it('should name every control of the inbox for a screen reader', async () => {
    await renderApp({ gateway: gatewayFor({ 'org-1': [task('t1')] }), session: signedInSession(authFetch().fetch) });
    await screen.findByText('Approve expense t1');
    expect(screen.getByLabelText('1 open task')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Organization: Acme. Switch organization' })).toBeTruthy();
    expect(screen.getByLabelText(/^Live updates: /)).toBeTruthy();
    // A task is a link named by what it shows: its title, workflow and state.
    const row = screen.getAllByRole('link').find((link) => within(link).queryByText('Approve expense t1'));
    expect(row).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign out everywhere' }).props.accessibilityHint).toBe('Ends your sessions on every device');
  });
});

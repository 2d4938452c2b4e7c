import { describe, expect, it } from '@jest/globals';
import type { ApolloLink } from '@apollo/client';
import type { HumanTaskQuery, RunDetailFieldsFragment } from '@organoise/client';
import { act, fireEvent, screen, waitFor } from 'expo-router/testing-library';
import { authFetch, gatewayFor, renderApp, runDetail, signedInSession, task } from './harness';

// A task's steps on the real screens and Apollo cache; the gateway is a stand-in that holds each
// transition's answer until the test releases it (test/harness.tsx).

const approve = { name: 'approve', from: 'review', to: 'approved' };
const reject = { name: 'send_back', from: 'review', to: 'draft' };

async function openTask() {
  const gateway = gatewayFor();
  const open: HumanTaskQuery['humanTask'] = { ...task('t1', { runId: 'run-1' }), completedAt: null, completedBy: null };
  gateway.answer('HumanTask', () => ({ data: { __typename: 'Query', humanTask: open } }));
  gateway.answer('WorkflowRun', () => ({ data: { __typename: 'Query', workflowRun: runDetail('run-1', 'review', [approve, reject]) } }));
  gateway.answer('RunFiles', () => ({ data: { __typename: 'Query', workflowRun: { __typename: 'WorkflowRun', id: 'run-1', files: { __typename: 'FileConnection', totalCount: 0, nodes: [] } } } }));
  let release: (result: ApolloLink.Result) => void = () => {};
  gateway.answer('TransitionWorkflowRun', () => new Promise((resolve) => (release = resolve)));
  await renderApp({ gateway, session: signedInSession(authFetch().fetch), initialUrl: '/tasks/t1' });
  await screen.findByText('Approve expense t1');
  await waitFor(() => expect(screen.getByTestId('run-state').props.children).toBe('review'));
  return { gateway, release: (result: ApolloLink.Result) => act(async () => release(result)) };
}

const state = () => screen.getByTestId('run-state').props.children as string;

describe('a task’s transitions', () => {
  it('should show the new state at once and keep it when the gateway agrees', async () => {
    const { gateway, release } = await openTask();
    await fireEvent.press(screen.getByRole('button', { name: 'approve' }));
    // Optimistic: the run moved before any answer, and no further step is offered meanwhile.
    expect(state()).toBe('approved');
    expect(screen.queryByRole('button', { name: 'send back' })).toBeNull();
    expect(gateway.named('TransitionWorkflowRun')[0]!.variables).toEqual({ input: { runId: 'run-1', transition: 'approve', expectedState: 'review' } });

    const done: RunDetailFieldsFragment = { ...runDetail('run-1', 'approved', []), status: 'COMPLETED' as RunDetailFieldsFragment['status'] };
    await release({ data: { __typename: 'Mutation', transitionWorkflowRun: done } });
    expect(state()).toBe('approved');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('should roll back when the gateway refuses, with a sentence chosen by the error code', async () => {
    const { release } = await openTask();
    await fireEvent.press(screen.getByRole('button', { name: 'approve' }));
    expect(state()).toBe('approved');

    await release({ errors: [{ message: 'role MEMBER may not fire approve', extensions: { code: 'TRANSITION_NOT_ALLOWED' } }] } as ApolloLink.Result);
    await waitFor(() => expect(state()).toBe('review'));
    expect(screen.getByText('Your role may not take this step.')).toBeTruthy();
    // The server's developer text is never shown; the steps are offered again.
    expect(screen.queryByText(/role MEMBER/)).toBeNull();
    expect(screen.getByRole('button', { name: 'approve' })).toBeTruthy();
  });
});

import type { ApolloClient } from '@apollo/client';
import { TransitionWorkflowRunDocument } from './gql/graphql';
import { describeError, errorCode, type DescribedError } from './errors';
import type { RunDetailFieldsFragment } from './gql/graphql';

export type TransitionOutcome = { ok: true; run: RunDetailFieldsFragment } | { ok: false; error: DescribedError; stale: boolean };

/**
 * Fires a transition optimistically: every screen showing the run shows its new state at once and
 * offers no further step until the gateway answers. A refusal rolls that back (Apollo drops the
 * optimistic layer) and comes back as a sentence chosen by error code; STALE_STATE (someone moved
 * the run first) asks the caller to refetch. `expectedState` makes a step chosen on a stale
 * screen a refusal rather than a step applied to a run that moved on.
 */
export async function fireTransition(client: ApolloClient, run: RunDetailFieldsFragment, transition: { name: string; to: string }): Promise<TransitionOutcome> {
  try {
    const result = await client.mutate({
      mutation: TransitionWorkflowRunDocument,
      variables: { input: { runId: run.id, transition: transition.name, expectedState: run.state } },
      // The run as read from the cache carries its __typename, so this is normalized onto it; the
      // documents select __typename at the root too (codegen.ts), so the answer names Mutation.
      optimisticResponse: { __typename: 'Mutation', transitionWorkflowRun: { ...run, state: transition.to, availableTransitions: [] } },
    });
    if (!result.data) return { ok: false, error: describeError(result.error), stale: false };
    return { ok: true, run: result.data.transitionWorkflowRun };
  } catch (caught) {
    return { ok: false, error: describeError(caught), stale: errorCode(caught) === 'STALE_STATE' };
  }
}

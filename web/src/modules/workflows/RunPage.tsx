import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { Alert, Button, Chip, Paper, Stack, Typography } from '@mui/material';
import { Link } from '../../app/router';
import { describeError, errorCode, TransitionWorkflowRunDocument, WorkflowRunDocument, WorkflowRunUpdatedDocument } from '@organoise/client';
import { ErrorState, Loading } from '../../ui/states';
import { PageHeading } from '../../ui/PageHeading';
import { track } from '../analytics/track';
import { RunFiles } from '../files/RunFiles';
import { LiveIndicator } from '../live/LiveIndicator';
import { canContribute, useOrganization } from '../organizations/context';
import { useLiveSubscription } from '../live/useLiveSubscription';

/**
 * A run with its live timeline. Each event of workflowRunUpdated carries the run as it is now
 * (state, history, the transitions this viewer may fire); Apollo writes it into the cache, so the
 * query below re-renders with it, without a reload.
 */
export default function RunPage({ id }: { id: string }) {
  const client = useApolloClient();
  const { current } = useOrganization();
  const { data, loading, error, refetch } = useQuery(WorkflowRunDocument, { variables: { id } });
  const live = useLiveSubscription(WorkflowRunUpdatedDocument, { runId: id }, { cursorOf: (d) => d.workflowRunUpdated.cursor, onRestart: () => void refetch(), skip: !data?.workflowRun });
  const [fire, fired] = useMutation(TransitionWorkflowRunDocument);

  if (loading && !data) return <Loading label="Loading the run" />;
  if (error || !data?.workflowRun) return <ErrorState error={error ?? { code: 'NOT_FOUND' }} />;
  const run = data.workflowRun;
  const history = run.history.nodes;

  const transition = async (name: string) => {
    try {
      // expectedState: a step chosen on a stale view is refused (STALE_STATE) rather than applied to a moved run.
      const result = await fire({ variables: { input: { runId: id, transition: name, expectedState: run.state } } });
      const after = result.data?.transitionWorkflowRun;
      if (after) {
        const sequence = after.history.nodes.at(-1)?.sequence ?? 0;
        track(client, run.organization.id, { id: `run-transitioned:${id}:${sequence}`, type: 'workflow.run.transitioned', subjectId: run.definition.id, properties: { runId: id, transition: name } });
        if (after.status === 'COMPLETED') track(client, run.organization.id, { id: `run-completed:${id}`, type: 'workflow.run.completed', subjectId: run.definition.id, properties: { runId: id, state: after.state } });
      }
    } catch (caught) {
      if (errorCode(caught) === 'STALE_STATE') void refetch();
    }
  };

  return (
    <Stack spacing={2}>
      <Typography variant="body2">
        <Link href="/workflows">Workflows</Link> / <Link href={`/workflows/${run.definition.id}`}>{run.definition.name}</Link> /
      </Typography>
      <PageHeading title={`Run of ${run.definition.name}`}>
        <LiveIndicator status={live.status} />
      </PageHeading>
      <Stack direction="row" sx={{ alignItems: 'center', gap: 1 }}>
        <Typography>State:</Typography>
        <Chip label={run.state} color={run.status === 'ACTIVE' ? 'primary' : 'success'} data-testid="run-state" />
        <Typography color="text.secondary">{run.status.toLowerCase()}</Typography>
      </Stack>
      <Typography color="text.secondary">
        Started {new Date(run.createdAt).toLocaleString()}
        {run.startedBy ? ` by ${run.startedBy.name}` : ''}
      </Typography>
      {fired.error ? <Alert severity={errorCode(fired.error) === 'STALE_STATE' ? 'warning' : 'error'}>{describeError(fired.error).message}</Alert> : null}
      <Stack direction="row" sx={{ gap: 1, flexWrap: 'wrap' }} aria-label="Steps you may take">
        {run.availableTransitions.map((t) => (
          <Button key={t.name} variant="contained" onClick={() => void transition(t.name)} disabled={fired.loading} title={`Moves the run to ${t.to}`}>
            {t.name.replace(/_/g, ' ')}
          </Button>
        ))}
        {run.status === 'ACTIVE' && run.availableTransitions.length === 0 ? <Typography color="text.secondary">There is no step your role may take now.</Typography> : null}
      </Stack>
      <Paper variant="outlined" sx={{ p: 2 }}>
        <Typography variant="h6" component="h2" gutterBottom>
          Timeline
        </Typography>
        <Stack component="ol" spacing={1} sx={{ m: 0, pl: 3 }} data-testid="timeline">
          <li>
            <Typography>Started in {history[0]?.from ?? run.state}</Typography>
          </li>
          {history.map((entry) => (
            <li key={entry.id}>
              <Typography>
                <strong>{entry.transition.replace(/_/g, ' ')}</strong>: {entry.from} → {entry.to}
                {entry.actor ? ` by ${entry.actor.name}` : ''}
                <Typography component="span" color="text.secondary">
                  {' '}
                  · {new Date(entry.at).toLocaleString()}
                </Typography>
              </Typography>
              {entry.comment ? <Typography color="text.secondary">{entry.comment}</Typography> : null}
            </li>
          ))}
        </Stack>
      </Paper>
      <RunFiles runId={id} organizationId={run.organization.id} mayUpload={run.organization.id === current.id && canContribute(current.viewerRole)} />
    </Stack>
  );
}

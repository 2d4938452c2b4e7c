import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { Alert, Button, Chip, List, ListItem, ListItemButton, ListItemText, Paper, Stack, Tooltip, Typography } from '@mui/material';
import { useState } from 'react';
import { Link, navigate } from '../../app/router';
import { describeError, StartWorkflowRunDocument, WorkflowDefinitionDocument } from '@organoise/client';
import { Empty, ErrorState, Loading } from '../../ui/states';
import { track } from '../analytics/track';
import { canContribute, useOrganization } from '../organizations/context';

export default function DefinitionPage({ id }: { id: string }) {
  const { current } = useOrganization();
  const client = useApolloClient();
  const { data, loading, error } = useQuery(WorkflowDefinitionDocument, { variables: { id } });
  // One key per intended start: a retry after a lost answer starts nothing more.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const [start, started] = useMutation(StartWorkflowRunDocument, { refetchQueries: [WorkflowDefinitionDocument] });

  if (loading && !data) return <Loading label="Loading the workflow" />;
  if (error || !data?.workflowDefinition) return <ErrorState error={error ?? { code: 'NOT_FOUND' }} />;
  const definition = data.workflowDefinition;
  const spec = definition.latestVersion;
  const mayStart = canContribute(current.viewerRole);

  const startRun = async () => {
    try {
      const result = await start({ variables: { input: { definitionId: id, idempotencyKey } } });
      const runId = result.data?.startWorkflowRun.id;
      setIdempotencyKey(crypto.randomUUID());
      if (runId) {
        track(client, current.id, { id: `run-started:${runId}`, type: 'workflow.run.started', subjectId: id, properties: { runId } });
        navigate(`/runs/${runId}`);
      }
    } catch {
      // shown from started.error
    }
  };

  return (
    <Stack spacing={2}>
      <Typography variant="body2">
        <Link href="/workflows">Workflows</Link> /
      </Typography>
      <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between', flexWrap: 'wrap', gap: 1 }}>
        <Typography variant="h4" component="h1">
          {definition.name}
        </Typography>
        <Tooltip title={mayStart ? '' : 'Viewers cannot start runs'}>
          <span>
            <Button variant="contained" onClick={startRun} disabled={!mayStart || started.loading}>
              Start a run
            </Button>
          </span>
        </Tooltip>
      </Stack>
      {started.error ? <Alert severity="error">{describeError(started.error).message}</Alert> : null}
      {definition.description ? <Typography>{definition.description}</Typography> : null}
      <Paper variant="outlined" sx={{ p: 2 }}>
        <Typography variant="h6" component="h2" gutterBottom>
          States and steps (version {spec.version})
        </Typography>
        <Stack direction="row" sx={{ gap: 1, flexWrap: 'wrap' }}>
          {spec.states.map((state) => (
            <Chip key={state.name} label={state.name} color={state.name === spec.initialState ? 'primary' : state.final ? 'success' : 'default'} variant={state.final ? 'outlined' : 'filled'} />
          ))}
        </Stack>
        <List dense>
          {spec.transitions.map((t) => (
            <ListItem key={`${t.from}.${t.name}`}>
              <ListItemText primary={`${t.name}: ${t.from} → ${t.to}`} secondary={`by ${t.allowedRoles.map((r) => r.toLowerCase()).join(', ')}`} />
            </ListItem>
          ))}
        </List>
      </Paper>
      <Typography variant="h6" component="h2">
        Runs ({definition.runs.totalCount})
      </Typography>
      {definition.runs.nodes.length === 0 ? (
        <Empty title="No runs yet" />
      ) : (
        <Paper variant="outlined">
          <List>
            {definition.runs.nodes.map((run) => (
              <ListItem key={run.id} disablePadding>
                <ListItemButton component="a" href={`/runs/${run.id}`} onClick={(e: React.MouseEvent) => (e.preventDefault(), navigate(`/runs/${run.id}`))}>
                  <ListItemText primary={`${run.state} · ${run.status.toLowerCase()}`} secondary={`started ${new Date(run.createdAt).toLocaleString()}${run.startedBy ? ` by ${run.startedBy.name}` : ''}`} />
                </ListItemButton>
              </ListItem>
            ))}
          </List>
        </Paper>
      )}
    </Stack>
  );
}

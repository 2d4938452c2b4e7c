import { useApolloClient, useQuery } from '@apollo/client/react';
import { describeError, fireTransition, formatSize, RunFilesDocument, WorkflowRunDocument, WorkflowRunUpdatedDocument, type DescribedError } from '@organoise/client';
import { useState } from 'react';
import { Pressable, RefreshControl, ScrollView, View } from 'react-native';
import { openFile } from './files';
import { useLive } from './live';
import { Body, Button, Card, ErrorBanner, LiveIndicator, Loading } from './ui';

/**
 * A run, live: its state, the steps the viewer may take now (shown for a task: only those out of
 * `fromState`, none once the task is closed), and its timeline. Each workflowRunUpdated event carries the run as it is now
 * and is written to the cache, so this re-renders without a refetch.
 */
export function RunView({ id, fromState, header }: { id: string; fromState?: string | null; header?: React.ReactNode }) {
  const client = useApolloClient();
  const { data, loading, error, refetch } = useQuery(WorkflowRunDocument, { variables: { id }, fetchPolicy: 'cache-and-network' });
  const live = useLive(WorkflowRunUpdatedDocument, { runId: id }, { cursorOf: (d) => d.workflowRunUpdated.cursor, onRestart: () => void refetch(), skip: !data?.workflowRun });
  const [refused, setRefused] = useState<DescribedError | null>(null);
  const [busy, setBusy] = useState(false);
  const [refreshing, setRefreshing] = useState(false);

  if (loading && !data) return <Loading label="Loading the run" />;
  if (error || !data?.workflowRun) return <ErrorBanner error={error ?? { code: 'NOT_FOUND' }} />;
  const run = data.workflowRun;
  const steps = fromState === null ? [] : run.availableTransitions.filter((t) => fromState === undefined || t.from === fromState);

  const fire = async (transition: { name: string; to: string }) => {
    setBusy(true);
    setRefused(null);
    const outcome = await fireTransition(client, run, transition);
    setBusy(false);
    if (outcome.ok) return;
    setRefused(outcome.error);
    if (outcome.stale) void refetch();
  };

  return (
    <ScrollView
      contentContainerStyle={{ gap: 12, paddingBottom: 24 }}
      refreshControl={<RefreshControl refreshing={refreshing} onRefresh={() => (setRefreshing(true), void refetch().finally(() => setRefreshing(false)))} />}
    >
      {header}
      <View style={{ flexDirection: 'row', justifyContent: 'space-between', alignItems: 'center' }}>
        <Body>
          {run.definition.name} · <Body testID="run-state">{run.state}</Body>
        </Body>
        <LiveIndicator status={live.status} />
      </View>
      <Body muted>
        {run.status.toLowerCase()}
        {run.startedBy ? ` · started by ${run.startedBy.name}` : ''}
      </Body>
      {refused ? <ErrorBanner message={refused.message} /> : null}
      <View role="group" aria-label="Steps you may take" style={{ gap: 8 }}>
        {steps.map((t) => (
          <Button key={t.name} title={t.name.replace(/_/g, ' ')} hint={`Moves the run to ${t.to}`} disabled={busy} onPress={() => void fire(t)} />
        ))}
        {run.status === 'ACTIVE' && steps.length === 0 ? <Body muted>There is no step you may take now.</Body> : null}
      </View>
      <RunFiles id={id} />
      <Card>
        <Body>Timeline</Body>
        <View testID="timeline" style={{ gap: 6 }}>
          <Body muted>Started in {run.history.nodes[0]?.from ?? run.state}</Body>
          {run.history.nodes.map((entry) => (
            <Body key={entry.id}>
              {entry.transition.replace(/_/g, ' ')}: {entry.from} → {entry.to}
              {entry.actor ? ` by ${entry.actor.name}` : ''}
            </Body>
          ))}
        </View>
      </Card>
    </ScrollView>
  );
}

/** The files attached to the run; tapping one opens or shares it. */
function RunFiles({ id }: { id: string }) {
  const client = useApolloClient();
  // Files come and go without a run event: read afresh whenever the run is opened.
  const { data, error } = useQuery(RunFilesDocument, { variables: { id }, fetchPolicy: 'cache-and-network' });
  const [problem, setProblem] = useState<string | null>(null);
  const files = data?.workflowRun?.files.nodes ?? [];
  if (error && !data) return <ErrorBanner error={error} />;
  if (files.length === 0) return null;
  return (
    <Card>
      <Body>Files</Body>
      {problem ? <ErrorBanner message={problem} /> : null}
      {files.map((file) => (
        <Pressable
          key={file.id}
          role="button"
          accessibilityHint="Opens or shares the file"
          onPress={() => {
            setProblem(null);
            openFile(client, file.id).catch((caught: unknown) => setProblem(describeError(caught).message));
          }}
        >
          <Body>
            <Body testID="file-name">{file.name}</Body> <Body muted>· {formatSize(file.size)}</Body>
          </Body>
        </Pressable>
      ))}
    </Card>
  );
}

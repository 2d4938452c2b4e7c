import { useQuery } from '@apollo/client/react';
import { HumanTaskDocument } from '@organoise/client';
import { Link, useLocalSearchParams } from 'expo-router';
import { RunView } from '../../src/RunView';
import { Body, ErrorBanner, Loading, Screen, Title, useTheme } from '../../src/ui';

/** A task: what it asks, and the steps out of its state that the viewer may take on its run. */
export default function TaskScreen() {
  const { id } = useLocalSearchParams<{ id: string }>();
  const theme = useTheme();
  const { data, loading, error } = useQuery(HumanTaskDocument, { variables: { id }, fetchPolicy: 'cache-and-network' });
  if (loading && !data) return <Loading label="Loading the task" />;
  if (error || !data?.humanTask) return <Screen>{<ErrorBanner error={error ?? { code: 'NOT_FOUND' }} />}</Screen>;
  const task = data.humanTask;
  const header = (
    <>
      <Title>{task.title}</Title>
      <Body muted testID="task-status">
        {task.status === 'OPEN' ? 'Waiting for you' : task.status === 'DONE' ? `Done${task.completedBy ? ` by ${task.completedBy.name}` : ''}` : 'Cancelled'}
      </Body>
      <Link href={`/runs/${task.run.id}`} style={{ color: theme.primary, fontSize: 16 }}>
        Open the run
      </Link>
    </>
  );
  return (
    <Screen label="Task">
      <RunView id={task.run.id} fromState={task.status === 'OPEN' ? task.state : null} header={header} />
    </Screen>
  );
}

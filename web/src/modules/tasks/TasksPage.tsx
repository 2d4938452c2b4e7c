import { useQuery } from '@apollo/client/react';
import { Chip, List, ListItem, ListItemButton, ListItemText, Paper, Stack } from '@mui/material';
import { MyTasksChangedDocument, MyTasksDocument } from '@organoise/client';
import { navigate } from '../../app/router';
import { Empty, ErrorState, Loading } from '../../ui/states';
import { PageHeading } from '../../ui/PageHeading';
import { LiveIndicator } from '../live/LiveIndicator';
import { useLiveSubscription } from '../live/useLiveSubscription';
import { useOrganization } from '../organizations/context';

/**
 * The tasks waiting for the viewer (assigned to them or to their role). A task opened or closed
 * anywhere in the organization arrives on myTasksChanged; the list is read again then, since an
 * event names one task but the list's membership and order are the server's to decide.
 */
export default function TasksPage() {
  const { current } = useOrganization();
  const { data, loading, error, refetch } = useQuery(MyTasksDocument, { variables: { organizationId: current.id } });
  const live = useLiveSubscription(MyTasksChangedDocument, { organizationId: current.id }, { cursorOf: (d) => d.myTasksChanged.cursor, onEvent: () => void refetch(), onRestart: () => void refetch() });
  const tasks = data?.myTasks.nodes ?? [];

  return (
    <Stack spacing={2}>
      <PageHeading title="Tasks">
        <LiveIndicator status={live.status} />
      </PageHeading>
      {loading && !data ? <Loading label="Loading your tasks" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data && tasks.length === 0 ? <Empty title="Nothing waiting for you" /> : null}
      {tasks.length > 0 ? (
        <Paper variant="outlined">
          <List aria-label="Open tasks" data-testid="tasks">
            {tasks.map((task) => (
              <ListItem key={task.id} disablePadding>
                <ListItemButton component="a" href={`/runs/${task.run.id}`} onClick={(e: React.MouseEvent) => (e.preventDefault(), navigate(`/runs/${task.run.id}`))}>
                  <ListItemText primary={task.title} secondary={`${task.run.definition.name} · ${task.state} · since ${new Date(task.createdAt).toLocaleString()}`} />
                  <Chip size="small" label={task.assignee ? `for ${task.viewerIsAssignee ? 'you' : task.assignee.name}` : `for ${task.assigneeRole?.toLowerCase() ?? 'anyone'}s`} />
                </ListItemButton>
              </ListItem>
            ))}
          </List>
        </Paper>
      ) : null}
    </Stack>
  );
}

import { useApolloClient, useQuery } from '@apollo/client/react';
import { applyTaskEvent, badgeText, MyTasksChangedDocument, MyTasksDocument, runNotice, taskNotice, WorkflowRunsChangedDocument, type TaskFieldsFragment } from '@organoise/client';
import { Link, router, Stack } from 'expo-router';
import { useState } from 'react';
import { FlatList, Pressable, RefreshControl, Text, View } from 'react-native';
import { useLive } from '../src/live';
import { mayRestoreFiles, useOrganization } from '../src/organization';
import { useSession } from '../src/session';
import { Body, Button, Card, ErrorBanner, LiveIndicator, Loading, Screen, useTheme } from '../src/ui';

/** Open tasks for the viewer in the current organization, kept current by myTasksChanged. */
export default function InboxScreen() {
  const { current, loading: orgLoading, error: orgError, refetch: refetchOrgs } = useOrganization();
  if (orgLoading) return <Loading label="Loading your organizations" />;
  if (orgError) return <Screen>{<ErrorBanner error={orgError} />}<Button title="Try again" onPress={refetchOrgs} /></Screen>;
  if (!current) return <Screen><Body muted>You are not a member of any organization yet. Ask an owner to invite you.</Body><SignOut /></Screen>;
  return <Inbox organizationId={current.id} organizationName={current.name} mayRestore={mayRestoreFiles(current.viewerRole)} />;
}

function Inbox({ organizationId, organizationName, mayRestore }: { organizationId: string; organizationName: string; mayRestore: boolean }) {
  const client = useApolloClient();
  const theme = useTheme();
  const { state } = useSession();
  const viewerId = state.status === 'signed-in' ? state.user.id : '';
  const { data, loading, error, refetch } = useQuery(MyTasksDocument, { variables: { organizationId }, fetchPolicy: 'cache-and-network' });
  const [notice, setNotice] = useState<string | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  const live = useLive(MyTasksChangedDocument, { organizationId }, {
    cursorOf: (d) => d.myTasksChanged.cursor,
    onEvent: (d) => {
      const event = d.myTasksChanged;
      // In-app notification of a task that arrived while the app is open (not of a replayed one).
      if (applyTaskEvent(client.cache, organizationId, event)) setNotice((n) => taskNotice(event) ?? n);
    },
    onRestart: () => void refetch(),
  });
  // A run this person started finished (an expense they filed was approved...).
  useLive(WorkflowRunsChangedDocument, { organizationId }, { cursorOf: (d) => d.workflowRunsChanged.cursor, onEvent: (d) => setNotice((n) => runNotice(d.workflowRunsChanged, viewerId) ?? n) });
  const tasks = data?.myTasks.nodes ?? [];
  const badge = badgeText(tasks);

  const refresh = async () => {
    setRefreshing(true);
    await refetch().catch(() => {});
    setRefreshing(false);
  };

  return (
    <Screen label="Inbox">
      {/* The badge sits in the header, next to the screen's title. */}
      <Stack.Screen
        options={{
          headerRight: () =>
            badge ? (
              <View testID="inbox-badge" accessibilityLabel={badge === '1' ? '1 open task' : `${badge} open tasks`} style={{ backgroundColor: theme.danger, borderRadius: 12, minWidth: 24, paddingHorizontal: 7, paddingVertical: 2, marginHorizontal: 16, alignItems: 'center' }}>
                <Text style={{ color: '#fff', fontWeight: '700' }}>{badge}</Text>
              </View>
            ) : null,
        }}
      />
      <View style={{ flexDirection: 'row', justifyContent: 'space-between', alignItems: 'center' }}>
        <Link href="/organizations" accessibilityLabel={`Organization: ${organizationName}. Switch organization`} style={{ color: theme.primary, fontSize: 16 }}>
          {organizationName} ▾
        </Link>
        <LiveIndicator status={live.status} />
      </View>
      {notice ? (
        <Pressable role="alert" onPress={() => setNotice(null)} accessibilityHint="Dismisses the notification">
          <Card>
            <Body testID="notice">{notice}</Body>
          </Card>
        </Pressable>
      ) : null}
      {error && !data ? <ErrorBanner error={error} /> : null}
      {loading && !data ? (
        <Loading label="Loading your tasks" />
      ) : (
        <FlatList
          data={tasks}
          keyExtractor={(task) => task.id}
          refreshControl={<RefreshControl refreshing={refreshing} onRefresh={() => void refresh()} />}
          contentContainerStyle={{ gap: 10 }}
          ListEmptyComponent={<Body muted>Nothing waiting for you. New tasks appear here as they are assigned.</Body>}
          renderItem={({ item }) => <TaskRow task={item} />}
          testID="task-list"
        />
      )}
      {/* Admins and owners only: the API refuses the list and its restore to everyone else. */}
      {mayRestore ? (
        <Link href="/deleted-files" role="link" style={{ color: theme.primary, fontSize: 16 }}>
          Recently deleted files
        </Link>
      ) : null}
      <SignOut />
    </Screen>
  );
}

function TaskRow({ task }: { task: TaskFieldsFragment }) {
  return (
    // Named by its visible text (title, workflow, state), which screen readers read in order.
    <Pressable role="link" onPress={() => router.push(`/tasks/${task.id}`)}>
      <Card>
        <Body>{task.title}</Body>
        <Body muted>
          {task.run.definition.name} · {task.run.state} · {task.assignee ? `for ${task.assignee.name}` : task.assigneeRole ? `for ${task.assigneeRole.toLowerCase()}s` : ''}
        </Body>
      </Card>
    </Pressable>
  );
}

function SignOut() {
  const { session } = useSession();
  return (
    <View style={{ flexDirection: 'row', gap: 8, justifyContent: 'space-between' }}>
      <Button kind="plain" title="Sign out" onPress={() => void session.signOut()} />
      <Button kind="plain" title="Sign out everywhere" hint="Ends your sessions on every device" onPress={() => void session.signOut({ everywhere: true })} />
    </View>
  );
}

import { useMutation, useQuery } from '@apollo/client/react';
import { DeletedFilesDocument, formatSize, newIdempotencyKey, RestoreFileDocument, type DeletedFilesQuery } from '@organoise/client';
import { useState } from 'react';
import { FlatList, View } from 'react-native';
import { mayRestoreFiles, useOrganization } from '../src/organization';
import { Body, Button, Card, ErrorBanner, Loading, Screen } from '../src/ui';

type DeletedFile = NonNullable<DeletedFilesQuery['organization']>['deletedFiles']['nodes'][number];

const PAGE_SIZE = 20;

/**
 * Recently deleted files of the current organization, the latest deletion first, each with who
 * deleted it, when, and the day it goes for good; Restore brings one back
 * (docs/decisions/0014-file-soft-delete.md). The inbox links here for admins and owners only.
 */
export default function DeletedFilesScreen() {
  const { current } = useOrganization();
  if (!current || !mayRestoreFiles(current.viewerRole)) {
    return (
      <Screen label="Recently deleted">
        <Body muted>Only admins and owners of an organization see its recently deleted files. Ask one to restore a file.</Body>
      </Screen>
    );
  }
  return <DeletedFiles organizationId={current.id} />;
}

function DeletedFiles({ organizationId }: { organizationId: string }) {
  const { data, loading, error, refetch, fetchMore } = useQuery(DeletedFilesDocument, { variables: { organizationId, first: PAGE_SIZE }, fetchPolicy: 'cache-and-network' });
  const [more, setMore] = useState<{ loading: boolean; error: unknown }>({ loading: false, error: null });
  const [restored, setRestored] = useState<string | null>(null);
  const deleted = data?.organization?.deletedFiles;

  if (loading && !deleted) return <Loading label="Loading deleted files" />;
  if (error && !deleted) {
    return (
      <Screen label="Recently deleted">
        <ErrorBanner error={error} />
        <Button title="Try again" onPress={() => void refetch().catch(() => {})} />
      </Screen>
    );
  }
  if (!deleted) return null;

  const loadMore = async () => {
    setMore({ loading: true, error: null });
    try {
      await fetchMore({
        variables: { after: deleted.pageInfo.endCursor },
        updateQuery: (previous, { fetchMoreResult }) => {
          if (!previous.organization || !fetchMoreResult.organization) return fetchMoreResult;
          const nodes = [...previous.organization.deletedFiles.nodes, ...fetchMoreResult.organization.deletedFiles.nodes];
          return { ...fetchMoreResult, organization: { ...fetchMoreResult.organization, deletedFiles: { ...fetchMoreResult.organization.deletedFiles, nodes } } };
        },
      });
      setMore({ loading: false, error: null });
    } catch (failure) {
      setMore({ loading: false, error: failure });
    }
  };

  return (
    <Screen label="Recently deleted">
      {restored ? (
        <View role="alert">
          <Card>
            <Body testID="restored-notice">Restored {restored}.</Body>
          </Card>
        </View>
      ) : null}
      <FlatList
        data={deleted.nodes}
        keyExtractor={(file) => file.id}
        contentContainerStyle={{ gap: 10 }}
        ListEmptyComponent={<Body muted>No recently deleted files. Deleted files stay here, restorable, until the retention period ends.</Body>}
        renderItem={({ item }) => <DeletedFileRow file={item} onRestored={() => setRestored(item.name)} />}
        testID="deleted-file-list"
      />
      {more.error ? <ErrorBanner error={more.error} /> : null}
      {deleted.pageInfo.hasNextPage ? <Button kind="plain" title={more.loading ? 'Loading more…' : 'Load more'} disabled={more.loading} onPress={() => void loadMore()} /> : null}
    </Screen>
  );
}

function DeletedFileRow({ file, onRestored }: { file: DeletedFile; onRestored(): void }) {
  // One key per intended restore: a retry after a lost answer restores nothing more.
  const [idempotencyKey] = useState(newIdempotencyKey);
  const [restore, { loading, error }] = useMutation(RestoreFileDocument, { refetchQueries: [DeletedFilesDocument], awaitRefetchQueries: true });
  const run = async () => {
    // A refusal is shown from `error`.
    const result = await restore({ variables: { id: file.id, idempotencyKey } }).catch(() => null);
    if (result?.data) onRestored();
  };
  return (
    <Card>
      <Body>{file.name}</Body>
      <Body muted>
        {formatSize(file.size)} · deleted {file.deletedAt ? new Date(file.deletedAt).toLocaleString() : ''}
        {file.deletedBy ? ` by ${file.deletedBy.name}` : ''}
      </Body>
      {file.purgeAt ? <Body muted testID="purge-date">Removed for good on {new Date(file.purgeAt).toLocaleDateString()}</Body> : null}
      {error ? <ErrorBanner error={error} /> : null}
      <Button title={loading ? 'Restoring…' : `Restore ${file.name}`} disabled={loading} onPress={() => void run()} />
    </Card>
  );
}

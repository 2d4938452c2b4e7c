import { useMutation, useQuery } from '@apollo/client/react';
import { Alert, Button, Paper, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { DeletedFilesDocument, describeError, FilesDocument, formatSize, RestoreFileDocument } from '@organoise/client';
import { useState } from 'react';
import { Pager, useCursorPages } from '../../ui/Pager';
import { Empty, ErrorState, Loading } from '../../ui/states';
import { useOrganization } from '../organizations/context';

const PAGE_SIZE = 20;

/**
 * Recently deleted (admins and owners: the API refuses the list and restoreFile to others, and
 * FilesPage offers this view to no one else): the organization's deleted files that can still be
 * restored, the latest deletion first, with the day each goes for good (docs/decisions/0014-file-soft-delete.md).
 * Its own chunk: the file list alone does not download it.
 */
export default function DeletedFiles() {
  const { current } = useOrganization();
  const pages = useCursorPages();
  const { data, previousData, loading, error } = useQuery(DeletedFilesDocument, {
    variables: { organizationId: current.id, first: PAGE_SIZE, after: pages.after },
    fetchPolicy: 'cache-and-network',
  });
  const [restored, setRestored] = useState<string | null>(null);
  const deleted = (data ?? previousData)?.organization?.deletedFiles;

  return (
    <Stack spacing={2}>
      {restored ? (
        <Alert severity="success" role="status" onClose={() => setRestored(null)}>
          Restored {restored}: it is back in the file list.
        </Alert>
      ) : null}
      {loading && !deleted ? <Loading label="Loading deleted files" /> : null}
      {error ? <ErrorState error={error} title="Could not load the deleted files" /> : null}
      {deleted && deleted.nodes.length === 0 ? (
        <Empty title="No recently deleted files">
          <Typography>Deleted files stay here, restorable, until the retention period ends.</Typography>
        </Empty>
      ) : null}
      {deleted && deleted.nodes.length > 0 ? (
        <Paper variant="outlined" sx={{ overflowX: 'auto' }} aria-busy={loading}>
          <Table size="small" aria-label="Recently deleted files">
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell align="right">Size</TableCell>
                <TableCell>Deleted by</TableCell>
                <TableCell>Deleted</TableCell>
                <TableCell>Removed for good on</TableCell>
                <TableCell>Actions</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {deleted.nodes.map((file) => (
                <TableRow key={file.id} data-testid="deleted-file-row">
                  <TableCell>{file.name}</TableCell>
                  <TableCell align="right">{formatSize(file.size)}</TableCell>
                  <TableCell>{file.deletedBy?.name ?? '—'}</TableCell>
                  <TableCell>{file.deletedAt ? new Date(file.deletedAt).toLocaleString() : '—'}</TableCell>
                  <TableCell data-testid="deleted-file-purge">{file.purgeAt ? new Date(file.purgeAt).toLocaleDateString() : '—'}</TableCell>
                  <TableCell>
                    <RestoreButton id={file.id} name={file.name} onRestored={() => setRestored(file.name)} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Paper>
      ) : null}
      {deleted ? <Pager pages={pages} hasNextPage={deleted.pageInfo.hasNextPage} endCursor={deleted.pageInfo.endCursor} total={deleted.totalCount} label="Deleted files" /> : null}
    </Stack>
  );
}

/** One file's Restore: one idempotency key per intended restore, so a retry after a lost answer restores nothing more. */
function RestoreButton({ id, name, onRestored }: { id: string; name: string; onRestored: () => void }) {
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  // The file list (mounted beside this view) and this one are read again: the file moves from here to there.
  const [restore, { loading, error }] = useMutation(RestoreFileDocument, { refetchQueries: [FilesDocument, DeletedFilesDocument], awaitRefetchQueries: true });
  const run = async () => {
    // A refusal is shown from `error`.
    const result = await restore({ variables: { id, idempotencyKey } }).catch(() => null);
    if (result?.data) onRestored();
  };
  return (
    <Stack spacing={0.5} sx={{ alignItems: 'flex-start' }}>
      <Button size="small" variant="outlined" onClick={() => void run()} disabled={loading} aria-label={`Restore ${name}`}>
        {loading ? 'Restoring…' : 'Restore'}
      </Button>
      {error ? (
        <Typography variant="body2" color="error" role="alert">
          {describeError(error).message}
        </Typography>
      ) : null}
    </Stack>
  );
}

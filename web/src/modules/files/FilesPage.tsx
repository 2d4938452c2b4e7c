import { useMutation, useQuery } from '@apollo/client/react';
import { Alert, Box, Button, LinearProgress, Paper, Stack, Table, TableBody, TableCell, TableHead, TableRow, Tooltip, Typography } from '@mui/material';
import { DeleteFileDocument, describeError, FilesDocument, formatSize, type FilesQuery } from '@organoise/client';
import { lazy, Suspense, useRef, useState, type ChangeEvent } from 'react';
import { navigate, useQueryString } from '../../app/router';
import { Empty, ErrorState, Loading } from '../../ui/states';
import { canContribute, canManage, useOrganization } from '../organizations/context';
import { percentSent, useDirectUpload } from './files';

// Admins' and owners' view only: everyone else's Files screen never downloads it.
const DeletedFiles = lazy(() => import('./DeletedFiles'));

type Processing = NonNullable<NonNullable<FilesQuery['organization']>['files']['nodes'][number]['processing']>;
const PENDING = new Set(['QUEUED', 'RUNNING', 'RETRYING']);

export default function FilesPage() {
  const { current, viewer } = useOrganization();
  // Recently deleted is offered to admins and owners only (the API refuses its list and restoreFile to others).
  const mayRestore = canManage(current.viewerRole);
  const search = useQueryString();
  const showDeleted = mayRestore && new URLSearchParams(search).get('view') === 'deleted';
  const { data, loading, error, refetch } = useQuery(FilesDocument, { variables: { organizationId: current.id } });
  const files = data?.organization?.files.nodes ?? [];
  // While a file is being processed the list is read again every few seconds, until none is.
  const processing = files.some((file) => file.processing && PENDING.has(file.processing.state));
  useQuery(FilesDocument, { variables: { organizationId: current.id }, skip: !processing, pollInterval: 3_000, fetchPolicy: 'network-only' });
  const direct = useDirectUpload({ organizationId: current.id });
  const input = useRef<HTMLInputElement>(null);
  const mayUpload = canContribute(current.viewerRole);
  // deleteFile's rule: the file's owner (a member or above), or an admin or owner.
  const mayDelete = (file: { owner?: { id: string } | null }) => mayRestore || (mayUpload && file.owner?.id === viewer.id);

  /** A new file, or (with fileId) a new version of that file. */
  const choose = async (event: ChangeEvent<HTMLInputElement>, fileId?: string) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    // A refusal is shown from direct.error.
    if (await direct.upload(file, fileId)) await refetch().catch(() => {});
  };

  const percent = direct.progress ? percentSent(direct.progress) : null;
  const fileList = (
    <>
      {direct.progress ? (
        <Box>
          <LinearProgress aria-label="Uploading" {...(percent === null ? {} : { variant: 'determinate' as const, value: percent })} />
          <Typography variant="body2" color="text.secondary" data-testid="upload-progress">
            {percent === null ? 'Preparing…' : `Uploading… ${percent}% of ${formatSize(direct.progress.totalBytes)}`}
          </Typography>
        </Box>
      ) : null}
      {direct.error ? <Alert severity="error">{describeError(direct.error).message}</Alert> : null}
      {loading && !data ? <Loading label="Loading files" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data && files.length === 0 ? <Empty title="No files yet" /> : null}
      {files.length > 0 ? (
        <Paper variant="outlined" sx={{ overflowX: 'auto' }}>
          <Table size="small" aria-label="Files">
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>Processing</TableCell>
                <TableCell>Type</TableCell>
                <TableCell align="right">Size</TableCell>
                <TableCell>Uploaded by</TableCell>
                <TableCell>When</TableCell>
                <TableCell align="right">Version</TableCell>
                <TableCell>Actions</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {files.map((file) => (
                <TableRow key={file.id}>
                  <TableCell>{file.name}</TableCell>
                  <TableCell>
                    <ProcessingState processing={file.processing} name={file.name} />
                  </TableCell>
                  <TableCell>{file.contentType}</TableCell>
                  <TableCell align="right">{formatSize(file.size)}</TableCell>
                  <TableCell>{file.owner?.name ?? '—'}</TableCell>
                  <TableCell>{new Date(file.createdAt).toLocaleString()}</TableCell>
                  <TableCell align="right" data-testid="file-version">
                    {file.currentVersion}
                  </TableCell>
                  <TableCell>
                    <Stack direction="row" spacing={1}>
                      {mayUpload ? (
                        <Button size="small" component="label" disabled={direct.uploading}>
                          New version
                          <input type="file" hidden onChange={(e) => void choose(e, file.id)} data-testid="file-version-input" />
                        </Button>
                      ) : null}
                      {mayDelete(file) ? <DeleteButton id={file.id} name={file.name} /> : null}
                    </Stack>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Paper>
      ) : null}
    </>
  );
  return (
    <Stack spacing={2}>
      <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between' }}>
        <Typography variant="h4" component="h1">
          Files
        </Typography>
        <Tooltip title={mayUpload ? '' : 'Viewers cannot upload files'}>
          <span>
            <Button variant="contained" component="label" disabled={!mayUpload || direct.uploading}>
              Upload a file
              <input ref={input} type="file" hidden onChange={(e) => void choose(e)} data-testid="file-input" />
            </Button>
          </span>
        </Tooltip>
      </Stack>
      {mayRestore ? (
        // Two toggle buttons, not MUI's Tabs: those would add their own chunks (about 10 KB gzip) to this screen.
        <Stack direction="row" role="group" aria-label="Files views" spacing={1}>
          <Button variant={showDeleted ? 'text' : 'outlined'} aria-pressed={!showDeleted} onClick={() => navigate('/files')}>
            All files
          </Button>
          <Button variant={showDeleted ? 'outlined' : 'text'} aria-pressed={showDeleted} onClick={() => navigate('/files?view=deleted')}>
            Recently deleted
          </Button>
        </Stack>
      ) : null}
      {showDeleted ? (
        <Suspense fallback={<Loading label="Loading deleted files" />}>
          <DeletedFiles />
        </Suspense>
      ) : (
        fileList
      )}
    </Stack>
  );
}

/**
 * One file's Delete: the file leaves the list at once, and an admin may restore it until the
 * retention period ends (so no confirmation step). One idempotency key per intended deletion.
 */
function DeleteButton({ id, name }: { id: string; name: string }) {
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [remove, { loading, error }] = useMutation(DeleteFileDocument, { refetchQueries: [FilesDocument], awaitRefetchQueries: true });
  return (
    <Stack spacing={0.5} sx={{ alignItems: 'flex-start' }}>
      {/* A refusal is shown from `error`. */}
      <Button size="small" color="error" onClick={() => void remove({ variables: { id, idempotencyKey } }).catch(() => {})} disabled={loading} aria-label={`Delete ${name}`}>
        Delete
      </Button>
      {error ? (
        <Typography variant="body2" color="error" role="alert">
          {describeError(error).message}
        </Typography>
      ) : null}
    </Stack>
  );
}

/** Where processing after upload is: a thumbnail once an image is done, words otherwise. */
function ProcessingState({ processing, name }: { processing: Processing | null; name: string }) {
  if (!processing) return <Typography variant="body2">—</Typography>;
  if (processing.state === 'DONE' && processing.thumbnailUrl) return <img src={processing.thumbnailUrl} alt={`Thumbnail of ${name}`} width={48} height={48} style={{ objectFit: 'contain' }} />;
  const words = { QUEUED: 'Processing…', RUNNING: 'Processing…', RETRYING: 'Processing (retrying)…', DONE: 'Done', FAILED: 'Processing failed' }[processing.state];
  return (
    <Typography variant="body2" color={processing.state === 'FAILED' ? 'error' : 'text.secondary'} data-state={processing.state}>
      {words}
    </Typography>
  );
}

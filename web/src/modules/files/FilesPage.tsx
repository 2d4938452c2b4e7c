import { useMutation, useQuery } from '@apollo/client/react';
import { Alert, Button, LinearProgress, Paper, Stack, Table, TableBody, TableCell, TableHead, TableRow, Tooltip, Typography } from '@mui/material';
import { describeError, FilesDocument, formatSize, UploadFileDocument } from '@organoise/client';
import { useRef, useState, type ChangeEvent } from 'react';
import { Empty, ErrorState, Loading } from '../../ui/states';
import { canContribute, useOrganization } from '../organizations/context';
import { readBase64 } from './files';

export default function FilesPage() {
  const { current } = useOrganization();
  const { data, loading, error } = useQuery(FilesDocument, { variables: { organizationId: current.id } });
  const [upload, uploading] = useMutation(UploadFileDocument, { refetchQueries: [FilesDocument], awaitRefetchQueries: true });
  const [readError, setReadError] = useState<unknown>(null);
  const input = useRef<HTMLInputElement>(null);
  const mayUpload = canContribute(current.viewerRole);
  const files = data?.organization?.files.nodes ?? [];

  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setReadError(null);
    let contentBase64: string;
    try {
      contentBase64 = await readBase64(file);
    } catch (caught) {
      setReadError(caught);
      return;
    }
    // A refusal is shown from uploading.error.
    await upload({ variables: { input: { organizationId: current.id, name: file.name, contentType: file.type || 'application/octet-stream', contentBase64, idempotencyKey: crypto.randomUUID() } } }).catch(() => {});
  };

  const failure = uploading.error ?? readError;
  return (
    <Stack spacing={2}>
      <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between' }}>
        <Typography variant="h4" component="h1">
          Files
        </Typography>
        <Tooltip title={mayUpload ? '' : 'Viewers cannot upload files'}>
          <span>
            <Button variant="contained" component="label" disabled={!mayUpload || uploading.loading}>
              Upload a file
              <input ref={input} type="file" hidden onChange={(e) => void choose(e)} data-testid="file-input" />
            </Button>
          </span>
        </Tooltip>
      </Stack>
      {uploading.loading ? <LinearProgress aria-label="Uploading" /> : null}
      {failure ? <Alert severity="error">{describeError(failure).message}</Alert> : null}
      {loading && !data ? <Loading label="Loading files" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data && files.length === 0 ? <Empty title="No files yet" /> : null}
      {files.length > 0 ? (
        <Paper variant="outlined" sx={{ overflowX: 'auto' }}>
          <Table size="small" aria-label="Files">
            <TableHead>
              <TableRow>
                <TableCell>Name</TableCell>
                <TableCell>Type</TableCell>
                <TableCell align="right">Size</TableCell>
                <TableCell>Uploaded by</TableCell>
                <TableCell>When</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {files.map((file) => (
                <TableRow key={file.id}>
                  <TableCell>{file.name}</TableCell>
                  <TableCell>{file.contentType}</TableCell>
                  <TableCell align="right">{formatSize(file.size)}</TableCell>
                  <TableCell>{file.owner?.name ?? '—'}</TableCell>
                  <TableCell>{new Date(file.createdAt).toLocaleString()}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Paper>
      ) : null}
    </Stack>
  );
}

import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { Alert, Button, LinearProgress, List, ListItem, ListItemText, Paper, Stack, Typography } from '@mui/material';
import { bytesOf, describeError, FileContentDocument, formatSize, RunFilesDocument, safeFileName, UploadFileDocument } from '@organoise/client';
import { useState, type ChangeEvent } from 'react';
import { ErrorState } from '../../ui/states';
import { readBase64 } from './files';

/** Files attached to a run: upload one onto it, download any. */
export function RunFiles({ runId, organizationId, mayUpload }: { runId: string; organizationId: string; mayUpload: boolean }) {
  const client = useApolloClient();
  const { data, error } = useQuery(RunFilesDocument, { variables: { id: runId } });
  const [upload, uploading] = useMutation(UploadFileDocument, { refetchQueries: [RunFilesDocument], awaitRefetchQueries: true });
  const [failure, setFailure] = useState<unknown>(null);
  const files = data?.workflowRun?.files.nodes ?? [];

  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setFailure(null);
    try {
      const contentBase64 = await readBase64(file);
      await upload({ variables: { input: { organizationId, workflowRunId: runId, name: file.name, contentType: file.type || 'application/octet-stream', contentBase64, idempotencyKey: crypto.randomUUID() } } });
    } catch (caught) {
      setFailure(caught);
    }
  };

  // The API hands the bytes over as base64; the browser saves them from a blob: URL.
  const download = async (id: string) => {
    setFailure(null);
    try {
      const result = await client.query({ query: FileContentDocument, variables: { id }, fetchPolicy: 'network-only' });
      const file = result.data?.file;
      if (!file) return;
      const url = URL.createObjectURL(new Blob([bytesOf(file.contentBase64) as Uint8Array<ArrayBuffer>], { type: file.contentType }));
      const link = document.createElement('a');
      link.href = url;
      link.download = safeFileName(file.name);
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (caught) {
      setFailure(caught);
    }
  };

  return (
    <Paper variant="outlined" sx={{ p: 2 }}>
      <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between' }}>
        <Typography variant="h6" component="h2">
          Files
        </Typography>
        {mayUpload ? (
          <Button component="label" disabled={uploading.loading}>
            Attach a file
            <input type="file" hidden onChange={(e) => void choose(e)} data-testid="run-file-input" />
          </Button>
        ) : null}
      </Stack>
      {uploading.loading ? <LinearProgress aria-label="Uploading" /> : null}
      {failure ? <Alert severity="error">{describeError(failure).message}</Alert> : null}
      {error ? <ErrorState error={error} /> : null}
      {data && files.length === 0 ? <Typography color="text.secondary">No files attached.</Typography> : null}
      <List dense data-testid="run-files">
        {files.map((file) => (
          <ListItem key={file.id} secondaryAction={<Button onClick={() => void download(file.id)} aria-label={`Download ${file.name}`}>Download</Button>}>
            <ListItemText primary={file.name} secondary={`${formatSize(file.size)}${file.owner ? ` · ${file.owner.name}` : ''}`} />
          </ListItem>
        ))}
      </List>
    </Paper>
  );
}

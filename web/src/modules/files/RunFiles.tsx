import { useApolloClient, useQuery } from '@apollo/client/react';
import { Alert, Button, LinearProgress, List, ListItem, ListItemText, Paper, Stack, Typography } from '@mui/material';
import { bytesOf, describeError, FileContentDocument, formatSize, RunFilesDocument, safeFileName } from '@organoise/client';
import { useState, type ChangeEvent } from 'react';
import { ErrorState } from '../../ui/states';
import { percentSent, useDirectUpload } from './files';

/** Files attached to a run: upload one onto it, download any. */
export function RunFiles({ runId, organizationId, mayUpload }: { runId: string; organizationId: string; mayUpload: boolean }) {
  const client = useApolloClient();
  const { data, error, refetch } = useQuery(RunFilesDocument, { variables: { id: runId } });
  const direct = useDirectUpload({ organizationId, workflowRunId: runId });
  const [failure, setFailure] = useState<unknown>(null);
  const files = data?.workflowRun?.files.nodes ?? [];

  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setFailure(null);
    // A refusal is shown from direct.error.
    if (await direct.upload(file)) await refetch().catch(() => {});
  };
  const percent = direct.progress ? percentSent(direct.progress) : null;

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
          <Button component="label" disabled={direct.uploading}>
            Attach a file
            <input type="file" hidden onChange={(e) => void choose(e)} data-testid="run-file-input" />
          </Button>
        ) : null}
      </Stack>
      {direct.progress ? <LinearProgress aria-label="Uploading" {...(percent === null ? {} : { variant: 'determinate' as const, value: percent })} /> : null}
      {failure || direct.error ? <Alert severity="error">{describeError(failure ?? direct.error).message}</Alert> : null}
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

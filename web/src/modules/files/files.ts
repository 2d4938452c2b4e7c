import { useApolloClient } from '@apollo/client/react';
import { uploadFile, type UploadedFile, type UploadProgress } from '@organoise/client';
import { useCallback, useState } from 'react';

/**
 * One direct upload at a time from a screen (docs/protocols/uploads.md, through the client's
 * uploadFile): the bytes go to the signed URL, never inside GraphQL. `upload(file, fileId)` sends
 * a new version of that file instead of a new file. `progress` is null when idle; a refusal is
 * kept in `error` for describeError.
 */
export function useDirectUpload(where: { organizationId: string; workflowRunId?: string }) {
  const client = useApolloClient();
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [error, setError] = useState<unknown>(null);
  const { organizationId, workflowRunId } = where;

  const upload = useCallback(
    async (file: File, fileId?: string): Promise<UploadedFile | null> => {
      setError(null);
      setProgress({ phase: 'hashing', sentBytes: 0, totalBytes: file.size });
      try {
        const common = {
          client,
          // The API is the page's origin (/graphql), where the gateway also serves the signed /files URLs.
          baseUrl: window.location.href,
          // Empty for a type the browser does not know: a new version then keeps the file's.
          contentType: file.type,
          body: file,
          onProgress: setProgress,
        };
        return await uploadFile(fileId ? { ...common, fileId } : { ...common, organizationId, ...(workflowRunId ? { workflowRunId } : {}), name: file.name });
      } catch (caught) {
        setError(caught);
        return null;
      } finally {
        setProgress(null);
      }
    },
    [client, organizationId, workflowRunId],
  );

  return { upload, progress, error, uploading: progress !== null };
}

/** 0 to 100 for a progress bar; null while hashing (not yet sending). */
export function percentSent(progress: UploadProgress): number | null {
  if (progress.phase === 'hashing') return null;
  return progress.totalBytes === 0 ? 100 : Math.round((progress.sentBytes / progress.totalBytes) * 100);
}

import type { ApolloClient } from '@apollo/client';
import { bytesOf, FileContentDocument, safeFileName } from '@organoise/client';
import { File, Paths } from 'expo-file-system';
import * as Sharing from 'expo-sharing';
import { Platform } from 'react-native';

/**
 * Opens a run's file: its bytes are read from the API when asked for (never with the list), then
 * on a phone saved to the app's cache and handed to the system's share sheet (open in another
 * app, save, send); on the web downloaded by the browser.
 */
export async function openFile(client: ApolloClient, id: string): Promise<void> {
  const { data } = await client.query({ query: FileContentDocument, variables: { id }, fetchPolicy: 'no-cache' });
  const file = data?.file;
  if (!file) throw { code: 'NOT_FOUND' };
  const bytes = bytesOf(file.contentBase64);
  const name = safeFileName(file.name);
  if (Platform.OS === 'web') {
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: file.contentType }));
    const link = Object.assign(document.createElement('a'), { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    return;
  }
  const saved = new File(Paths.cache, name);
  if (saved.exists) saved.delete();
  saved.create();
  await saved.write(bytes);
  await Sharing.shareAsync(saved.uri, { mimeType: file.contentType, dialogTitle: file.name });
}

import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  assertValidKey,
  assertValidPartNumber,
  InvalidBlobKeyError,
  isUnder,
  MIN_PART_BYTES,
  MultipartError,
  type BlobInfo,
  type BlobStorage,
  type ByteRange,
  type PartInfo,
} from './storage.js';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'ENOENT' || (error as NodeJS.ErrnoException)?.code === 'ENOTDIR';
const UPLOAD_ID = /^[0-9a-f-]{36}$/;
// Keys cannot contain dots, so this folder can never be a key's.
const MULTIPART_DIR = '.multipart';

const toStream = (body: Uint8Array | Readable) => (body instanceof Uint8Array ? Readable.from([Buffer.from(body.buffer, body.byteOffset, body.byteLength)]) : body);

/**
 * Blobs as files under one root folder. Key `a/b` is stored at `<root>/a/b.blob`: the suffix lets
 * `a` and `a/b` coexist (one is a file, the other a folder), and keys cannot contain dots, so no
 * key can name a temp file, the multipart folder, or leave the root. Clients never reach the disk:
 * the file subgraph serves signed URLs for it (src/domains/uploads/routes.ts).
 */
export class LocalDiskStorage implements BlobStorage {
  readonly urls = 'platform' as const;
  private readonly root: string;

  constructor(rootDir: string) {
    this.root = path.resolve(rootDir);
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    const file = path.resolve(this.root, ...key.split('/')) + '.blob';
    // The key grammar already forbids traversal; this second check keeps it true if the grammar ever loosens.
    if (!file.startsWith(this.root + path.sep)) throw new InvalidBlobKeyError(key);
    return file;
  }

  private uploadDir(key: string, uploadId: string): string {
    assertValidKey(key);
    if (!UPLOAD_ID.test(uploadId)) throw new MultipartError('NO_SUCH_UPLOAD', 'No such multipart upload');
    return path.join(this.root, MULTIPART_DIR, uploadId);
  }

  /**
   * Streams into a temp file next to `file`, flushes it, then renames: a reader sees the whole old
   * or the whole new blob. Answers the md5 of what was written (the part's etag, as S3 makes it).
   */
  private async writeAtomically(file: string, body: Uint8Array | Readable): Promise<{ size: number; md5: string }> {
    await mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${randomUUID()}.tmp`;
    const md5 = createHash('md5');
    let size = 0;
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        // One chunk at a time: the next is read only once this one is written (flat memory for any size).
        for await (const chunk of toStream(body)) {
          const buffer = chunk as Buffer;
          size += buffer.length;
          md5.update(buffer);
          await handle.write(buffer);
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (error) {
      await unlink(temp).catch(() => {});
      throw error;
    }
    return { size, md5: md5.digest('hex') };
  }

  async put(key: string, body: Uint8Array | Readable): Promise<void> {
    await this.writeAtomically(this.pathOf(key), body);
  }

  async get(key: string): Promise<Uint8Array | null> {
    const file = this.pathOf(key);
    try {
      const buffer = await readFile(file);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async getStream(key: string, range?: ByteRange): Promise<Readable | null> {
    const file = this.pathOf(key);
    try {
      // Opened first, so a missing blob is a null here and not an error event later.
      const handle = await open(file, 'r');
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async head(key: string): Promise<BlobInfo | null> {
    const file = this.pathOf(key);
    try {
      const info = await stat(file);
      return info.isFile() ? { size: info.size, lastModified: info.mtime } : null;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== null;
  }

  async presignPut(key: string): Promise<null> {
    assertValidKey(key);
    return null;
  }

  async presignGet(key: string): Promise<null> {
    assertValidKey(key);
    return null;
  }

  async presignPart(key: string, uploadId: string, partNumber: number): Promise<null> {
    this.uploadDir(key, uploadId);
    assertValidPartNumber(partNumber);
    return null;
  }

  async createMultipart(key: string): Promise<string> {
    const uploadId = randomUUID();
    const dir = this.uploadDir(key, uploadId);
    await mkdir(dir, { recursive: true });
    // The key is recorded so a part or a completion can only ever name the upload's own key.
    await writeFile(path.join(dir, 'key'), key, { mode: 0o600 });
    return uploadId;
  }

  private async openUpload(key: string, uploadId: string): Promise<string> {
    const dir = this.uploadDir(key, uploadId);
    const owner = await readFile(path.join(dir, 'key'), 'utf8').catch((error: unknown) => {
      if (isMissing(error)) return null;
      throw error;
    });
    if (owner !== key) throw new MultipartError('NO_SUCH_UPLOAD', 'No such multipart upload');
    return dir;
  }

  async putPart(key: string, uploadId: string, partNumber: number, body: Uint8Array | Readable): Promise<PartInfo> {
    assertValidPartNumber(partNumber);
    const dir = await this.openUpload(key, uploadId);
    const { size, md5 } = await this.writeAtomically(path.join(dir, `${partNumber}.part`), body);
    // The etag sits in the part's own name, so a listing needs no hashing and a replaced part gets its new etag at once.
    await writeFile(path.join(dir, `${partNumber}.etag`), md5, { mode: 0o600 });
    return { partNumber, size, etag: md5 };
  }

  async listParts(key: string, uploadId: string): Promise<PartInfo[]> {
    const dir = await this.openUpload(key, uploadId);
    const parts: PartInfo[] = [];
    for (const name of await readdir(dir)) {
      const match = /^(\d+)\.part$/.exec(name);
      if (!match) continue;
      const partNumber = Number(match[1]);
      const [info, etag] = await Promise.all([stat(path.join(dir, name)), readFile(path.join(dir, `${partNumber}.etag`), 'utf8').catch(() => null)]);
      if (etag) parts.push({ partNumber, size: info.size, etag });
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeMultipart(key: string, uploadId: string, parts: ReadonlyArray<{ partNumber: number; etag: string }>): Promise<void> {
    const dir = await this.openUpload(key, uploadId);
    const arrived = new Map((await this.listParts(key, uploadId)).map((p) => [p.partNumber, p]));
    if (parts.length === 0) throw new MultipartError('INVALID_PART', 'A multipart upload needs at least one part');
    parts.forEach((part, i) => {
      const found = arrived.get(part.partNumber);
      if (!found || found.etag !== part.etag.replace(/"/g, '')) throw new MultipartError('INVALID_PART', `Part ${part.partNumber} did not arrive as listed`);
      if (i > 0 && part.partNumber <= parts[i - 1]!.partNumber) throw new MultipartError('INVALID_PART', 'Parts must be listed in ascending order');
      if (i < parts.length - 1 && found.size < MIN_PART_BYTES) throw new MultipartError('PART_TOO_SMALL', `Every part but the last must be at least ${MIN_PART_BYTES} bytes`);
    });
    const files = parts.map((p) => path.join(dir, `${p.partNumber}.part`));
    // One stream over the parts in order: a 1 GiB blob is joined with a few buffers in memory.
    async function* joined() {
      for (const file of files) {
        const handle = await open(file, 'r');
        try {
          for await (const chunk of handle.createReadStream({ autoClose: false })) yield chunk as Buffer;
        } finally {
          await handle.close();
        }
      }
    }
    await this.writeAtomically(this.pathOf(key), Readable.from(joined()));
    await rm(dir, { recursive: true, force: true });
  }

  async abortMultipart(key: string, uploadId: string): Promise<void> {
    const dir = this.uploadDir(key, uploadId);
    const owner = await readFile(path.join(dir, 'key'), 'utf8').catch(() => null);
    if (owner === key) await rm(dir, { recursive: true, force: true });
  }

  async *list(prefix?: string): AsyncIterable<BlobInfo & { key: string }> {
    if (prefix !== undefined) assertValidKey(prefix);
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true }).catch((error: unknown) => {
      if (isMissing(error)) return [];
      throw error;
    });
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.endsWith('.blob')) continue;
      const relative = path.relative(this.root, path.join(entry.parentPath, entry.name));
      const key = relative.slice(0, -'.blob'.length).split(path.sep).join('/');
      // Temp files and the multipart folder hold dots: they are never keys.
      if (key.includes('.') || !isUnder(key, prefix)) continue;
      const info = await stat(path.join(this.root, relative)).catch(() => null);
      if (info) yield { key, size: info.size, lastModified: info.mtime };
    }
  }
}

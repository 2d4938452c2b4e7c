import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { extractText, getDocumentProxy } from 'unpdf';

/**
 * What processing reads from a file's bytes, with no database or storage: the content type
 * sniffed from the bytes (file-type), the text of the formats search will index (plain text,
 * Markdown, JSON, CSV, PDF via unpdf), and a thumbnail of an image (sharp). Every function is
 * pure over its input, so test/processing-extract.test.ts runs it on the committed fixtures.
 */

/** The text formats extracted; any other type has no text (null). */
export type TextKind = 'plain' | 'markdown' | 'json' | 'csv' | 'pdf';

/** Why a file cannot be processed as its type says (a broken PDF, JSON that does not parse...). */
export class ExtractionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExtractionError';
  }
}

const TEXT_TYPES: Record<string, TextKind> = {
  'text/plain': 'plain',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'application/json': 'json',
  'text/json': 'json',
  'text/csv': 'csv',
  'application/csv': 'csv',
  'application/pdf': 'pdf',
};
const EXTENSIONS: Record<string, TextKind> = { txt: 'plain', text: 'plain', md: 'markdown', markdown: 'markdown', json: 'json', csv: 'csv', pdf: 'pdf' };
const KIND_TYPES: Record<TextKind, string> = { plain: 'text/plain', markdown: 'text/markdown', json: 'application/json', csv: 'text/csv', pdf: 'application/pdf' };

/** Images sharp reads and makes a thumbnail of. */
const THUMBNAIL_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/avif', 'image/tiff', 'image/heic', 'image/heif']);

/** Valid UTF-8 without NUL bytes: what text formats are made of (binary formats have file-type signatures or NULs). */
function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * The content type the bytes show: file-type's magic numbers first; bytes without a signature
 * that decode as text keep the declared type when it is a text format (Markdown, CSV and JSON have
 * no signature) or are text/plain; anything else is application/octet-stream.
 */
export async function sniffContentType(head: Uint8Array, declared: string, name: string): Promise<string> {
  const found = await fileTypeFromBuffer(head);
  if (found) return found.mime;
  if (!looksLikeText(trimPartialCharacter(head))) return 'application/octet-stream';
  if (declared.startsWith('text/') || TEXT_TYPES[declared]) return declared;
  const byName = EXTENSIONS[name.split('.').pop()?.toLowerCase() ?? ''];
  return byName ? KIND_TYPES[byName] : 'text/plain';
}

// A head cut in the middle of a multi-byte character is still text.
function trimPartialCharacter(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = bytes[end - back]!;
    if ((byte & 0xc0) === 0xc0) return bytes.subarray(0, end - back);
    if ((byte & 0x80) === 0) break;
  }
  return bytes;
}

/** Which extractor the sniffed type (or, for text without a signature, the name) calls for; null for none. */
export function textKindOf(detectedType: string, name: string): TextKind | null {
  const byType = TEXT_TYPES[detectedType];
  if (byType && byType !== 'plain') return byType;
  if (detectedType === 'text/plain' || detectedType.startsWith('text/')) return EXTENSIONS[name.split('.').pop()?.toLowerCase() ?? ''] ?? 'plain';
  return null;
}

export const canThumbnail = (detectedType: string) => THUMBNAIL_TYPES.has(detectedType);

const decodeUtf8 = (bytes: Uint8Array) => new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
/** Runs of white space become one space, each line trimmed, blank lines dropped. */
const tidy = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');

/** Markdown's words without its markup: links keep their text, code keeps its content. */
function markdownText(source: string): string {
  return source
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^```.*$/gm, '')
    .replace(/^\s{0,3}(#{1,6}|>+|[-*+]|\d+[.)])\s+/gm, '')
    .replace(/(\*\*|__|\*|_|`|~~)/g, '');
}

/** Every key and scalar value of a JSON document, one per line (what a person would search for). */
function jsonText(source: string): string {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    throw new ExtractionError(`JSON does not parse: ${(error as Error).message}`);
  }
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object') {
      for (const [key, inner] of Object.entries(v as Record<string, unknown>)) {
        out.push(key);
        walk(inner);
      }
    } else out.push(String(v));
  };
  walk(value);
  return out.join('\n');
}

/** A CSV's cells (RFC 4180 quoting), a row per line with its cells separated by spaces. */
function csvText(source: string): string {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (quoted) {
      if (c === '"' && source[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === ';' || c === '\t') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && source[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows.map((r) => r.map((v) => v.trim()).filter(Boolean).join(' ')).join('\n');
}

async function pdfText(bytes: Uint8Array): Promise<string> {
  try {
    // unpdf may transfer (detach) the buffer it is given: it gets a copy.
    // verbosity 0: pdf.js's warnings about a damaged file would go to the console.
    const pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    const { text } = await extractText(pdf, { mergePages: true });
    return text;
  } catch (error) {
    throw new ExtractionError(`PDF could not be read: ${(error as Error).message}`);
  }
}

/** The text of `bytes` as `kind`, tidied; ExtractionError when the bytes are not what the kind says. */
export async function extractTextOf(bytes: Uint8Array, kind: TextKind): Promise<string> {
  switch (kind) {
    case 'pdf':
      return tidy(await pdfText(bytes));
    case 'json':
      return tidy(jsonText(decodeUtf8(bytes)));
    case 'csv':
      return tidy(csvText(decodeUtf8(bytes)));
    case 'markdown':
      return tidy(markdownText(decodeUtf8(bytes)));
    case 'plain':
      return tidy(decodeUtf8(bytes));
  }
}

export const THUMBNAIL_SIZE = 256;
export const THUMBNAIL_CONTENT_TYPE = 'image/webp';

/**
 * A WebP at most THUMBNAIL_SIZE pixels on its longer side (never enlarged), turned upright by its
 * EXIF orientation; the first frame of an animation. Images over 50 megapixels are refused
 * (sharp's limit, against decompression bombs): ExtractionError.
 */
export async function thumbnailOf(bytes: Uint8Array): Promise<Buffer> {
  try {
    return await sharp(bytes, { limitInputPixels: 50_000_000 })
      .rotate()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
  } catch (error) {
    throw new ExtractionError(`image could not be read: ${(error as Error).message}`);
  }
}

import { byIdLoader, subgraphDomain } from '@organoise/core';
import type { FileContext } from '../../context.js';
import type { FileRow } from '../files/files.js';
import { downloadUrl } from '../uploads/uploads.js';
import { permissions } from './permissions.js';
import { processingOf, reprocessFile, type FileProcessingRow } from './processing.js';
import { THUMBNAIL_CONTENT_TYPE } from './extract.js';

// One loader per request's loaders (renewed for each subscription event), so a list of files
// reads its processing rows in one query.
const loaders = new WeakMap<object, ReturnType<typeof processingLoader>>();
const processingLoader = (ctx: FileContext) => byIdLoader((ids) => processingOf(ctx.db, ids), (row) => row.fileId);
function loaderOf(ctx: FileContext) {
  let loader = loaders.get(ctx.loaders);
  if (!loader) loaders.set(ctx.loaders, (loader = processingLoader(ctx)));
  return loader;
}

const thumbnailName = (name: string) => `${name.replace(/\.[^.]*$/, '') || 'thumbnail'}.webp`;

export const processingResolvers = {
  Mutation: {
    reprocessFile: (_: unknown, args: { fileId: string }, ctx: FileContext) => reprocessFile({ db: ctx.db, bus: ctx.bus, processing: ctx.processing, viewer: ctx.viewer }, args.fileId),
  },
  File: {
    processing: async (f: FileRow, _: unknown, ctx: FileContext) => {
      const row = await loaderOf(ctx).load(f.id);
      return row ? { ...row, fileName: f.name } : null;
    },
  },
  FileProcessing: {
    textPreview: (p: FileProcessingRow) => (p.text === null ? null : p.text.slice(0, 500)),
    thumbnailUrl: (p: FileProcessingRow & { fileName: string }, _: unknown, ctx: FileContext) =>
      p.thumbnailKey ? downloadUrl(ctx, { storageKey: p.thumbnailKey, name: thumbnailName(p.fileName), contentType: THUMBNAIL_CONTENT_TYPE }) : null,
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, processingResolvers, permissions);

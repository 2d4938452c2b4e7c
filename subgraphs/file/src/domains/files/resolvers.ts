import { id, parseInput, subgraphDomain, loadOrNotFound } from '@organoise/core';
import type { FileContext } from '../../context.js';
import {
  attachFileToRun,
  deleteFile,
  purgeAfter,
  readContent,
  renameFile,
  restoreFile,
  uploadFile,
  uploadFileVersion,
  type FileRow,
  type FileVersionRow,
} from './files.js';
import { permissions } from './permissions.js';
import { requeueAfterRestore } from '../processing/processing.js';

export const fileResolvers = {
  Query: {
    file: (_: unknown, args: { id: string }, ctx: FileContext) => loadOrNotFound(ctx.loaders.file, parseInput(id(), args.id), 'File'),
  },
  Mutation: {
    uploadFile: (_: unknown, args: { input: unknown }, ctx: FileContext) => uploadFile(ctx, args.input),
    uploadFileVersion: (_: unknown, args: { input: unknown }, ctx: FileContext) => uploadFileVersion(ctx, args.input),
    renameFile: (_: unknown, args: { input: unknown }, ctx: FileContext) => renameFile(ctx, args.input),
    attachFileToRun: (_: unknown, args: { input: unknown }, ctx: FileContext) => attachFileToRun(ctx, args.input),
    deleteFile: async (_: unknown, args: unknown, ctx: FileContext) => {
      const result = await deleteFile(ctx, args);
      return { deletedFileId: result.deletedFileId, organization: { id: result.organizationId } };
    },
    // A restored file whose processing was cut short by the deletion (the worker skips deleted files) is queued again.
    restoreFile: (_: unknown, args: unknown, ctx: FileContext) => restoreFile({ ...ctx, afterRestore: (tx, file) => requeueAfterRestore(tx, ctx.processing, file) }, args),
  },
  File: {
    __resolveReference: (ref: { id: string }, ctx: FileContext) => ctx.loaders.file.load(ref.id),
    organization: (f: FileRow) => ({ id: f.organizationId }),
    owner: (f: FileRow) => ({ __typename: 'User', id: f.ownerId }),
    workflowRun: (f: FileRow) => (f.workflowRunId ? { __typename: 'WorkflowRun', id: f.workflowRunId } : null),
    deletedBy: (f: FileRow) => (f.deletedBy ? { __typename: 'User', id: f.deletedBy } : null),
    // From the retention setting of this replica: the one the purge on it applies.
    purgeAt: (f: FileRow, _: unknown, ctx: FileContext) => (f.deletedAt ? purgeAfter(f.deletedAt, ctx.fileRetentionDays) : null),
    versions: (f: FileRow, _: unknown, ctx: FileContext) => ctx.loaders.versions.load(f.id),
    contentBase64: (f: FileRow, _: unknown, ctx: FileContext) => readContent(ctx, f.storageKey),
  },
  FileVersion: {
    createdBy: (v: FileVersionRow) => ({ __typename: 'User', id: v.createdBy }),
    contentBase64: (v: FileVersionRow, _: unknown, ctx: FileContext) => readContent(ctx, v.storageKey),
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, fileResolvers, permissions);

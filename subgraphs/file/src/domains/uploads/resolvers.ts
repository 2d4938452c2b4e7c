import type { FileContext } from '../../context.js';
import type { SignedRequest } from '../../storage/index.js';
import type { FileRow } from '../files/files.js';
import { permissions } from './permissions.js';
import {
  abortUpload,
  completeUpload,
  createUpload,
  createVersionUpload,
  downloadUrl,
  partCountOf,
  partTargets,
  readUploadSettings,
  receivedParts,
  setUploadSettings,
  uploadForViewer,
  uploadTarget,
  type UploadLimits,
  type UploadRow,
} from './uploads.js';

const asRequest = (r: SignedRequest | null) => r && { ...r, headers: Object.entries(r.headers).map(([name, value]) => ({ name, value })) };

export const uploadResolvers = {
  Query: {
    upload: (_: unknown, args: { id: string }, ctx: FileContext) => uploadForViewer(ctx, args.id),
    uploadSettings: (_: unknown, args: { organizationId: string }, ctx: FileContext) => readUploadSettings(ctx, args.organizationId),
  },
  Mutation: {
    createUpload: (_: unknown, args: { input: unknown }, ctx: FileContext) => createUpload(ctx, args.input),
    createVersionUpload: (_: unknown, args: { input: unknown }, ctx: FileContext) => createVersionUpload(ctx, args.input),
    completeUpload: (_: unknown, args: { input: unknown }, ctx: FileContext) => completeUpload(ctx, args.input),
    abortUpload: (_: unknown, args: { id: string }, ctx: FileContext) => abortUpload(ctx, args.id),
    setUploadSettings: (_: unknown, args: { input: unknown }, ctx: FileContext) => setUploadSettings(ctx, args.input),
  },
  Upload: {
    organization: (u: UploadRow) => ({ id: u.organizationId }),
    target: async (u: UploadRow, _: unknown, ctx: FileContext) => asRequest(await uploadTarget(ctx, u)),
    partCount: (u: UploadRow) => partCountOf(u),
    partTargets: async (u: UploadRow, args: { partNumbers: number[] }, ctx: FileContext) =>
      (await partTargets(ctx, u, args.partNumbers)).map((t) => ({ partNumber: t.partNumber, request: asRequest(t.request) })),
    receivedParts: (u: UploadRow, _: unknown, ctx: FileContext) => receivedParts(ctx, u),
    file: (u: UploadRow, _: unknown, ctx: FileContext) => (u.completedAt ? ctx.loaders.file.load(u.fileId) : null),
  },
  UploadSettings: {
    organization: (s: UploadLimits) => ({ id: s.organizationId }),
  },
  File: {
    downloadUrl: (f: FileRow, _: unknown, ctx: FileContext) => downloadUrl(ctx, f),
  },
};

/**
 * This domain, as its subgraph's index.ts lists it: its SDL beside these resolvers, and its rules
 * (the shape core's subgraphDomain makes, written out so it does not depend on that helper).
 */
export const domain = { sdl: new URL('./schema.graphql', import.meta.url), resolvers: uploadResolvers, permissions };

import { roleIn, subgraphDomain } from '@organoise/core';
import type { PageArgs } from '@organoise/core';
import type { FileContext } from '../../context.js';
import { listDeletedFiles, listFiles, type FileOrder } from '../files/files.js';
import { permissions } from './permissions.js';

export const organizationResolvers = {
  Organization: {
    // The user subgraph owns organizations; here one resolves only for its members.
    __resolveReference: (ref: { id: string }, ctx: FileContext) => (roleIn(ctx.viewer, ref.id) ? { id: ref.id } : null),
    files: (org: { id: string }, args: PageArgs & { filter?: unknown; orderBy?: FileOrder | null }, ctx: FileContext) =>
      listFiles(ctx, org.id, args),
    deletedFiles: (org: { id: string }, args: PageArgs, ctx: FileContext) => listDeletedFiles(ctx, org.id, args),
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, organizationResolvers, permissions);

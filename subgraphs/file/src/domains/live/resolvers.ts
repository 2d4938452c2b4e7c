import { eachEventWithFreshLoaders, subgraphDomain, type EventMessage } from '@organoise/core';
import type { FileContext } from '../../context.js';
import type { FileEventPayload } from '../files/events.js';
import { followFile, followOrganizationFiles } from './live.js';
import { permissions } from './permissions.js';

export const liveResolvers = {
  Subscription: {
    fileProcessed: { subscribe: (_: unknown, args: unknown, ctx: FileContext) => followFile(ctx, args), resolve: eachEventWithFreshLoaders },
    filesChanged: { subscribe: (_: unknown, args: unknown, ctx: FileContext) => followOrganizationFiles(ctx, args), resolve: eachEventWithFreshLoaders },
  },
  FileEvent: {
    cursor: (e: EventMessage) => String(e.seq),
    at: (e: EventMessage) => e.createdAt,
    // Null once the file is deleted (or out of the viewer's reach): the event still says what happened.
    file: (e: EventMessage, _: unknown, ctx: FileContext) => ctx.loaders.file.load((e.payload as unknown as FileEventPayload).fileId),
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, liveResolvers, permissions);

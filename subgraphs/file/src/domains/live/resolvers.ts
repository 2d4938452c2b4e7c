import type { EventMessage } from '@organoise/core';
import { renewLoaders, type FileContext } from '../../context.js';
import type { FileEventPayload } from '../files/events.js';
import { followFile, followOrganizationFiles } from './live.js';

/** Runs once per event, before its selection: each event reads current rows. */
const eachEvent = (event: EventMessage, _args: unknown, ctx: FileContext) => {
  renewLoaders(ctx);
  return event;
};

export const liveResolvers = {
  Subscription: {
    fileProcessed: { subscribe: (_: unknown, args: unknown, ctx: FileContext) => followFile(ctx, ctx.viewer, args), resolve: eachEvent },
    filesChanged: { subscribe: (_: unknown, args: unknown, ctx: FileContext) => followOrganizationFiles(ctx, ctx.viewer, args), resolve: eachEvent },
  },
  FileEvent: {
    cursor: (e: EventMessage) => String(e.seq),
    at: (e: EventMessage) => e.createdAt,
    // Null once the file is deleted (or out of the viewer's reach): the event still says what happened.
    file: (e: EventMessage, _: unknown, ctx: FileContext) => ctx.loaders.file.load((e.payload as unknown as FileEventPayload).fileId),
  },
};

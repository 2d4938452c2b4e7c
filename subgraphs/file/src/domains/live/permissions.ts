import { argId, eventCursor, everyField, id, isAuthenticated, isMemberOf, parentId, z, type IRules } from '@organoise/core';

// Checked when subscribing (core's subscribe guard); each event must be of one of the viewer's
// organizations, and its file comes through the viewer-scoped loader.
export const permissions: IRules = {
  Subscription: {
    // Not through the file loader: a deleted file may still be followed from a cursor before its
    // deletion, which live.ts decides (NOT_FOUND otherwise, and for other tenants' files).
    fileProcessed: isAuthenticated,
    filesChanged: isMemberOf(argId('organizationId'), { input: z.object({ organizationId: id(), after: eventCursor() }) }),
  },
  FileEvent: everyField(isMemberOf(parentId('organizationId'))),
};

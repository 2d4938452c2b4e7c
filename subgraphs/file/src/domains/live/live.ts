import { id, notFound, parseInput, requireRole, requireViewer, roleIn, streamIterator, z, type EventMessage, type Viewer, eventCursor } from '@organoise/core';
import type { FileSubgraphServices } from '../../context.js';
import { fileStream, organizationFilesStream } from '../files/events.js';
import { visibleFiles } from '../files/files.js';

/**
 * Subscriptions: who may follow which stream, and which of its events they receive. Access is
 * checked like the queries' when the subscription starts, then again for every event, against
 * the rights the gateway sent for this connection.
 */
export type LiveServices = Pick<FileSubgraphServices, 'db' | 'bus' | 'eventPollIntervalMs'>;
export type EventSource = AsyncIterableIterator<EventMessage>;

const FileArgs = z.object({ fileId: id(), after: eventCursor() });
const OrganizationArgs = z.object({ organizationId: id(), after: eventCursor() });

type Filter = (event: EventMessage) => boolean;

const inViewersOrganization =
  (viewer: Viewer): Filter =>
  (event) =>
    event.organizationId !== null && roleIn(viewer, event.organizationId) !== null;

function follow(services: LiveServices, stream: string, after: number | null, filter: Filter): EventSource {
  return streamIterator({ bus: services.bus, stream, after, filter, pollIntervalMs: services.eventPollIntervalMs });
}

/**
 * Whether a file that is gone was deleted in one of the viewer's organizations, so a client that
 * resumes after the deletion still receives the file.deleted it missed. File ids are never
 * reused, so the stream's last event names the organization the file belonged to.
 */
async function deletedInViewersOrganization(services: LiveServices, viewer: Viewer, stream: string): Promise<boolean> {
  const head = await services.bus.log.head(stream);
  if (head === 0) return false;
  const [last] = await services.bus.log.read(stream, head - 1, 1);
  return last?.type === 'file.deleted' && last.organizationId !== null && roleIn(viewer, last.organizationId) !== null;
}

export async function followFile(services: LiveServices, viewer: Viewer | null, rawArgs: unknown): Promise<EventSource> {
  const args = parseInput(FileArgs, rawArgs);
  const v = requireViewer(viewer);
  const stream = fileStream(args.fileId);
  const [file] = await visibleFiles(services.db, v, [args.fileId]);
  if (!file && (args.after === null || !(await deletedInViewersOrganization(services, v, stream)))) throw notFound('File');
  return follow(services, stream, args.after, inViewersOrganization(v));
}

export function followOrganizationFiles(services: LiveServices, viewer: Viewer | null, rawArgs: unknown): EventSource {
  const args = parseInput(OrganizationArgs, rawArgs);
  requireRole(viewer, args.organizationId, 'VIEWER');
  return follow(services, organizationFilesStream(args.organizationId), args.after, inViewersOrganization(requireViewer(viewer)));
}

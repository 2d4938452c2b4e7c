import { eventCursor, followFor, id, inViewersOrganizations, notFound, parseInput, requireRole, requireViewer, roleIn, z, type EventSource, type Viewer } from '@organoise/core';
import type { FileDeps } from '../../context.js';
import { fileStream, organizationFilesStream } from '../files/events.js';
import { visibleFiles } from '../files/files.js';

/**
 * Subscriptions: who may follow which stream, and which of its events they receive. Access is
 * checked like the queries' when the subscription starts, then again for every event, against
 * the rights the gateway sent for this connection.
 */
export type LiveServices = Pick<FileDeps, 'db' | 'bus' | 'eventPollIntervalMs' | 'viewer'>;

const FileArgs = z.object({ fileId: id(), after: eventCursor() });
const OrganizationArgs = z.object({ organizationId: id(), after: eventCursor() });


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

export async function followFile(services: LiveServices, rawArgs: unknown): Promise<EventSource> {
  const { viewer } = services;
  const args = parseInput(FileArgs, rawArgs);
  const v = requireViewer(viewer);
  const stream = fileStream(args.fileId);
  const [file] = await visibleFiles({ db: services.db, viewer: v }, [args.fileId]);
  if (!file && (args.after === null || !(await deletedInViewersOrganization(services, v, stream)))) throw notFound('File');
  return followFor(services, stream, args.after, inViewersOrganizations(v));
}

export function followOrganizationFiles(services: LiveServices, rawArgs: unknown): EventSource {
  const { viewer } = services;
  const args = parseInput(OrganizationArgs, rawArgs);
  requireRole(viewer, args.organizationId, 'VIEWER');
  return followFor(services, organizationFilesStream(args.organizationId), args.after, inViewersOrganizations(requireViewer(viewer)));
}

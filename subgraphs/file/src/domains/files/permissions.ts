import { allowTypes, argId, everyField, hasRoleInOrg, isMemberOf, orgOfRow, parentId, type IRules } from '@organoise/core';
import type { FileContext } from '../../context.js';
import { visibleFiles } from './files.js';

/** A file's organization, through the viewer-scoped loader (another tenant's file: not found; one the viewer's address is refused by: IP_NOT_ALLOWED). */
export const fileOrg = (path: string) =>
  orgOfRow<FileContext>(
    path,
    (id, ctx) => ctx.loaders.file.load(id),
    async (id, viewer, ctx) => (await visibleFiles({ db: ctx.db, viewer }, [id]))[0],
  );
const asFile = { what: 'File' };
/** The same, deleted files included: deleteFile's retry with its key, and restoreFile, reach them. */
const fileOrgWithDeleted = (path: string) =>
  orgOfRow<FileContext>(
    path,
    async (id, ctx) => (await visibleFiles({ db: ctx.db, viewer: ctx.viewer }, [id], true))[0],
    async (id, viewer, ctx) => (await visibleFiles({ db: ctx.db, viewer }, [id], true))[0],
  );

// Roles come from the gateway's token; files.ts checks again (fileForChange, requireRole).
export const permissions: IRules = {
  Query: {
    file: isMemberOf(fileOrg('id'), asFile),
  },
  Mutation: {
    uploadFile: hasRoleInOrg('MEMBER', argId('input.organizationId')),
    uploadFileVersion: hasRoleInOrg('MEMBER', fileOrg('input.fileId'), asFile),
    renameFile: hasRoleInOrg('MEMBER', fileOrg('input.fileId'), asFile),
    attachFileToRun: hasRoleInOrg('MEMBER', fileOrg('input.fileId'), asFile),
    // The owner or an admin: files.ts decides past MEMBER.
    deleteFile: hasRoleInOrg('MEMBER', fileOrgWithDeleted('id'), asFile),
    // Admins and owners only (docs/decisions/0014-file-soft-delete.md).
    restoreFile: hasRoleInOrg('ADMIN', fileOrgWithDeleted('id'), asFile),
  },
  File: everyField(isMemberOf(parentId('organizationId'), asFile)),
  // Reached only from a file, or returned by deleteFile (guarded above).
  ...allowTypes('FileVersion', 'FileEdge', 'FileConnection', 'DeleteFilePayload', 'User'),
};

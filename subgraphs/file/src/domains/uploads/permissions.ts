import { allowTypes, argId, everyField, hasRoleInOrg, isMemberOf, orgOfRow, parentId, viewerOrganizationIds, type IRules } from '@organoise/core';
import { and, eq, inArray } from 'drizzle-orm';
import type { FileContext } from '../../context.js';
import { uploads } from '../../db/schema.js';
import { fileOrg } from '../files/permissions.js';

/** An upload's organization, looked for among the viewer's organizations only (another tenant's: not found). */
const uploadOrg = (path: string) =>
  orgOfRow<FileContext>(path, async (id, ctx) => {
    const orgIds = viewerOrganizationIds(ctx.viewer);
    if (orgIds.length === 0) return null;
    const [row] = await ctx.db
      .select({ organizationId: uploads.organizationId })
      .from(uploads)
      .where(and(eq(uploads.id, id), inArray(uploads.organizationId, orgIds)));
    return row ?? null;
  });
const asUpload = { what: 'Upload' };

// Roles come from the gateway's token; uploads.ts checks again (uploader or admin, uploadForViewer).
export const permissions: IRules = {
  Query: {
    upload: isMemberOf(uploadOrg('id'), asUpload),
    uploadSettings: isMemberOf(argId('organizationId')),
  },
  Mutation: {
    createUpload: hasRoleInOrg('MEMBER', argId('input.organizationId')),
    // As uploadFileVersion: a member of the file's organization (another tenant's file: NOT_FOUND).
    createVersionUpload: hasRoleInOrg('MEMBER', fileOrg('input.fileId'), { what: 'File' }),
    completeUpload: hasRoleInOrg('MEMBER', uploadOrg('input.uploadId'), asUpload),
    abortUpload: hasRoleInOrg('MEMBER', uploadOrg('id'), asUpload),
    setUploadSettings: hasRoleInOrg('ADMIN', argId('input.organizationId')),
  },
  Upload: everyField(isMemberOf(parentId('organizationId'), asUpload)),
  UploadSettings: everyField(isMemberOf(parentId('organizationId'))),
  // Reached only from an Upload (guarded above), or returned by abortUpload.
  ...allowTypes('SignedRequest', 'HttpHeader', 'UploadPartTarget', 'UploadedPart', 'AbortUploadPayload'),
};

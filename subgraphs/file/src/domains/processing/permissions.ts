import { everyField, hasRoleInOrg, isMemberOf, parentId, type IRules } from '@organoise/core';
import { fileOrg } from '../files/permissions.js';

// Reached only from a File (guarded by the files domain's rules: another tenant's file is not
// found); checked again against the row's own organization.
export const permissions: IRules = {
  Mutation: {
    // processing.ts checks again (ADMIN in the file's organization).
    reprocessFile: hasRoleInOrg('ADMIN', fileOrg('fileId'), { what: 'File' }),
  },
  FileProcessing: everyField(isMemberOf(parentId('organizationId'), { what: 'File' })),
};

import { everyField, isMemberOf, parentId, type IRules } from '@organoise/core';

// Reached only from a File (guarded by the files domain's rules: another tenant's file is not
// found); checked again against the row's own organization.
export const permissions: IRules = {
  FileProcessing: everyField(isMemberOf(parentId('organizationId'), { what: 'File' })),
};

import { graphql } from '../gql';

/** Files attached to a run (read apart from the run: its live events need not carry them). */
export const RunFilesDocument = graphql(`
  query RunFiles($id: ID!) {
    workflowRun(id: $id) {
      id
      files(first: 50) {
        totalCount
        nodes {
          ...FileSummary
        }
      }
    }
  }
`);

/** What every list of files shows of each (a run's files, an organization's). */
export const FileSummaryFragment = graphql(`
  fragment FileSummary on File {
    id
    name
    contentType
    size
    createdAt
    owner {
      id
      name
    }
  }
`);

/** A file's bytes, to open or share it (read when asked for, never cached with the list). */
export const FileContentDocument = graphql(`
  query FileContent($id: ID!) {
    file(id: $id) {
      id
      name
      contentType
      contentBase64
    }
  }
`);

/** An organization's files, newest first (the web app's file list), with where their processing is. */
export const FilesDocument = graphql(`
  query Files($organizationId: ID!) {
    organization(id: $organizationId) {
      id
      files(first: 100) {
        totalCount
        nodes {
          ...FileSummary
          currentVersion
          processing {
            state
            thumbnailUrl
          }
        }
      }
    }
  }
`);

/**
 * A direct upload (docs/protocols/uploads.md), step 1: where to send the bytes. For a single PUT
 * the answer carries `target`; for a multipart upload `partSize` and `partCount`.
 */
export const CreateUploadDocument = graphql(`
  mutation CreateUpload($input: CreateUploadInput!) {
    createUpload(input: $input) {
      id
      size
      partSize
      partCount
      expiresAt
      target {
        url
        method
        headers {
          name
          value
        }
      }
    }
  }
`);

/** A direct upload of an existing file's next version: the same answer as CreateUpload; completeUpload appends the version. */
export const CreateVersionUploadDocument = graphql(`
  mutation CreateVersionUpload($input: CreateVersionUploadInput!) {
    createVersionUpload(input: $input) {
      id
      size
      partSize
      partCount
      expiresAt
      target {
        url
        method
        headers {
          name
          value
        }
      }
    }
  }
`);

/** Signed URLs for some parts of a multipart upload, and the parts that arrived already (to resume). */
export const UploadPartTargetsDocument = graphql(`
  query UploadPartTargets($id: ID!, $partNumbers: [Int!]!) {
    upload(id: $id) {
      id
      receivedParts {
        partNumber
        size
        etag
      }
      partTargets(partNumbers: $partNumbers) {
        partNumber
        request {
          url
          method
          headers {
            name
            value
          }
        }
      }
    }
  }
`);

/** Step 3: the service checks the bytes and makes the file (retried with the same idempotency key). */
export const CompleteUploadDocument = graphql(`
  mutation CompleteUpload($input: CompleteUploadInput!) {
    completeUpload(input: $input) {
      id
      name
      size
      contentType
      currentVersion
      processing {
        state
      }
    }
  }
`);

/** Drops an open upload and its bytes (the person cancelled, or sending failed for good). */
export const AbortUploadDocument = graphql(`
  mutation AbortUpload($id: ID!) {
    abortUpload(id: $id) {
      abortedUploadId
    }
  }
`);

/**
 * An organization's deleted files that can still be restored, the latest deletion first (admins
 * and owners only: FORBIDDEN for others), a page at a time by `after`; `purgeAt` is the day each
 * goes for good (docs/decisions/0014-file-soft-delete.md).
 */
export const DeletedFilesDocument = graphql(`
  query DeletedFiles($organizationId: ID!, $first: Int = 20, $after: String) {
    organization(id: $organizationId) {
      id
      deletedFiles(first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          id
          name
          contentType
          size
          deletedAt
          purgeAt
          deletedBy {
            id
            name
          }
        }
      }
    }
  }
`);

/** Brings a deleted file back as it was (admins and owners); retried with the same idempotency key. */
export const RestoreFileDocument = graphql(`
  mutation RestoreFile($id: ID!, $idempotencyKey: String) {
    restoreFile(id: $id, idempotencyKey: $idempotencyKey) {
      ...FileSummary
      currentVersion
    }
  }
`);

/**
 * Deletes a file (its owner, or an admin or owner of the organization): it leaves every list at
 * once and an admin may restore it within the retention period. Retried with the same idempotency key.
 */
export const DeleteFileDocument = graphql(`
  mutation DeleteFile($id: ID!, $idempotencyKey: String) {
    deleteFile(id: $id, idempotencyKey: $idempotencyKey) {
      deletedFileId
    }
  }
`);

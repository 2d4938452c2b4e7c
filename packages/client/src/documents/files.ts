import { graphql } from '../gql';

/** Files attached to a run (read apart from the run: its live events need not carry them). */
export const RunFilesDocument = graphql(`
  query RunFiles($id: ID!) {
    workflowRun(id: $id) {
      id
      files(first: 50) {
        totalCount
        nodes {
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
      }
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

/** An organization's files, newest first (the web app's file list). */
export const FilesDocument = graphql(`
  query Files($organizationId: ID!) {
    organization(id: $organizationId) {
      id
      files(first: 100) {
        totalCount
        nodes {
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
      }
    }
  }
`);

/** One upload, into the organization or onto a run (`workflowRunId`). */
export const UploadFileDocument = graphql(`
  mutation UploadFile($input: UploadFileInput!) {
    uploadFile(input: $input) {
      id
      name
    }
  }
`);

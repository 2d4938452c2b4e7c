import { createHash } from 'node:crypto';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

// Operations are typed from the public API schema (what clients see), not the supergraph: the
// app can only ask for what the gateway exposes. The output is committed and drift-checked.
const config: CodegenConfig = {
  schema: '../schema/api.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        // src/gql/persisted-documents.json: each operation's text by the sha256 of that text (plain
        // hex, as Apollo's persisted-query protocol and the gateway's safelist name operations).
        // schema/safelist.ts lists them, and the app sends only the hash (docs/decisions/0010).
        persistedDocuments: { hashAlgorithm: (text: string) => createHash('sha256').update(text).digest('hex') },
      },
      // __typename in every selection, as Apollo's cache asks for it: the text the gateway runs for
      // a hash must be the text the cache needs, since the app never sends its own.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        // Only the operations' types: the schema has hundreds of types the app never touches.
        onlyOperationTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;

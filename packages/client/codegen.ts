import { createHash } from 'node:crypto';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

// The one codegen of the apps (web and mobile import these documents): operations are typed from
// the public API schema (what clients see), not the supergraph, so an app can only ask for what
// the gateway exposes. The output is committed and drift-checked (scripts/check-generated.ts).
const config: CodegenConfig = {
  schema: '../../schema/api.graphql',
  documents: ['src/**/*.ts', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        // src/gql/persisted-documents.json: each operation's text by the sha256 of that text (plain
        // hex, as Apollo's persisted-query protocol and the gateway's safelist name operations),
        // which schema/safelist.ts lists; the apps send only the hash (src/persisted.ts, decision 0010).
        persistedDocuments: { hashAlgorithm: (text: string) => createHash('sha256').update(text).digest('hex') },
      },
      // __typename in every selection, as Apollo's cache asks for it: the gateway runs this text.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        onlyOperationTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;

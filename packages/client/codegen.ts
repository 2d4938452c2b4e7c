import { createHash } from 'node:crypto';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

// As web/codegen.ts: operations typed from the public API schema, output committed and
// drift-checked (scripts/check-generated.ts).
const config: CodegenConfig = {
  schema: '../../schema/api.graphql',
  documents: ['src/**/*.ts', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        // As web/codegen.ts: src/gql/persisted-documents.json (text by plain-hex sha256), which
        // schema/safelist.ts lists; the app sends only the hash (src/persisted.ts, docs/decisions/0010).
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

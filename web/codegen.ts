import type { CodegenConfig } from '@graphql-codegen/cli';

// Operations are typed from the public API schema (what clients see), not the supergraph: the
// app can only ask for what the gateway exposes. The output is committed and drift-checked.
const config: CodegenConfig = {
  schema: '../schema/api.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
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

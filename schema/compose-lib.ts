import { composeServices } from '@apollo/composition';
import { buildSchema, parse, printSchema, validate, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';

export interface SubgraphDefinition {
  name: string;
  url: string;
  typeDefs: DocumentNode;
}

export interface Composed {
  supergraphSdl: string;
  /** The public API schema clients see (no federation internals). */
  apiSdl: string;
  apiSchema: GraphQLSchema;
}

/** Composes subgraphs into a supergraph with Apollo's own composition (Federation 2). */
export function compose(subgraphs: SubgraphDefinition[]): Composed {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: s.typeDefs })));
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  const apiSchema = result.schema.toAPISchema().toGraphQLJSSchema();
  return { supergraphSdl: result.supergraphSdl, apiSdl: `${printSchema(apiSchema)}\n`, apiSchema };
}

/** Validates client operations against the API schema: the ones a schema change must not break. */
export function validateOperations(apiSdl: string, operations: { file: string; source: string }[]): string[] {
  const schema = buildSchema(apiSdl);
  const problems: string[] = [];
  for (const op of operations) {
    let document: DocumentNode;
    try {
      document = parse(op.source);
    } catch (error) {
      problems.push(`${op.file}: ${(error as Error).message}`);
      continue;
    }
    const errors: readonly GraphQLError[] = validate(schema, document);
    for (const error of errors) problems.push(`${op.file}: ${error.message}`);
  }
  return problems;
}

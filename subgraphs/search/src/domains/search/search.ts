import { appError, id, pageSize, parseInput, requireRole, SEARCH_TYPES, z, type SearchType } from '@organoise/core';
import type { SearchHit } from '../../engine/search-index.js';
import type { SearchDeps } from '../../context.js';

/** Longest query accepted: a search box's words, not a document. */
export const MAX_QUERY_LENGTH = 256;

/** SearchType's GraphQL values and the protocol's type names. */
const GRAPHQL_TYPE: Record<SearchType, string> = {
  User: 'USER',
  WorkflowDefinition: 'WORKFLOW_DEFINITION',
  WorkflowRun: 'WORKFLOW_RUN',
  HumanTask: 'HUMAN_TASK',
  File: 'FILE',
};
const FROM_GRAPHQL = Object.fromEntries(SEARCH_TYPES.map((t) => [GRAPHQL_TYPE[t], t])) as Record<string, SearchType>;
export const graphqlType = (type: SearchType): string => GRAPHQL_TYPE[type];

const SearchArgs = z.object({
  organizationId: id(),
  query: z.string().max(MAX_QUERY_LENGTH, { message: `must be at most ${MAX_QUERY_LENGTH} characters` }),
  types: z.array(z.enum(Object.keys(FROM_GRAPHQL) as [string, ...string[]])).nullish(),
});

export interface SearchArgsInput {
  organizationId: string;
  query: string;
  types?: string[] | null;
  first?: number | null;
  after?: string | null;
}

/** The hit as the schema's SearchEdge (its node a stub the owning subgraph completes). */
export const edgeOf = (hit: SearchHit) => ({
  cursor: hit.cursor,
  node: { __typename: hit.type, id: hit.id },
  score: hit.score,
  highlights: hit.highlights.map((h) => ({ field: h.field === 'title' ? 'TITLE' : 'BODY', text: h.text, matches: h.matches })),
});

/** `Query.search`: any member; what their role may open, of their organization only. */
export async function search({ index, viewer }: Pick<SearchDeps, 'index' | 'viewer'>, args: SearchArgsInput) {
  const input = parseInput(SearchArgs, { organizationId: args.organizationId, query: args.query, types: args.types });
  const role = requireRole(viewer, input.organizationId, 'VIEWER');
  const first = pageSize(args);
  if (args.after === '') throw appError('BAD_USER_INPUT', 'after is not a cursor of this search', { issues: [{ path: 'after', message: 'invalid cursor' }] });
  const types = input.types ? [...new Set(input.types.map((t) => FROM_GRAPHQL[t]!))] : null;
  const page = await index.search({ organizationId: input.organizationId, viewerRole: role, text: input.query, types, first, after: args.after ?? null });
  const edges = page.hits.map(edgeOf);
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
    totalCount: page.total,
    facets: page.facets.map((f) => ({ type: graphqlType(f.type), count: f.count })),
  };
}

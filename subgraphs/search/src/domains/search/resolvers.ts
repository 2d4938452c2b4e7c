import { subgraphDomain } from '@organoise/core';
import type { SearchContext } from '../../context.js';
import { permissions } from './permissions.js';
import { search, type SearchArgsInput } from './search.js';

export const searchResolvers = {
  Query: {
    search: (_: unknown, args: SearchArgsInput, ctx: SearchContext) => search(ctx, args),
  },
  SearchResult: {
    __resolveType: (node: { __typename: string }) => node.__typename,
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, searchResolvers, permissions);

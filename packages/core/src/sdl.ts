import { readFileSync } from 'node:fs';
import { parse, type DocumentNode } from 'graphql';
import { COMMON_SDL } from './pagination.js';

const FEDERATION_LINK = /* GraphQL */ `
  extend schema
    @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible"])
`;

/**
 * A subgraph's full SDL: the federation link, the shared types, and each domain's
 * `schema.graphql` (kept next to that domain's resolvers).
 */
export function loadSubgraphTypeDefs(files: URL[]): DocumentNode {
  const parts = files.map((file) => readFileSync(file, 'utf8'));
  return parse([FEDERATION_LINK, COMMON_SDL, ...parts].join('\n'));
}

/** Merges per-domain resolver maps (type by type, field by field). */
export function mergeResolvers(...maps: Record<string, object>[]): Record<string, Record<string, unknown>> {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) {
      merged[type] = { ...merged[type], ...fields };
    }
  }
  return merged;
}

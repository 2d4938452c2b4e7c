import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SUBGRAPH_NAMES = ['accounts', 'products', 'inventory', 'reviews'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export interface GuildData {
  users: { id: string; name: string; username: string; birthday: number }[];
  products: { upc: string; name: string; price: number; weight: number }[];
  inventory: { upc: string; inStock: boolean }[];
  reviews: { id: string; body: string; upc: string }[];
}

export interface Workload {
  supergraphSdl: string;
  /** The request body the load test sends, byte for byte as in body.json. */
  body: string;
  /** The exact response body a correct gateway returns. */
  expected: string;
  data: GuildData;
}

export function loadWorkload(dir: string): Workload {
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  return {
    supergraphSdl: read('supergraph.graphql'),
    body: read('body.json'),
    expected: read('expected.json'),
    data: JSON.parse(read('data.json')) as GuildData,
  };
}

/** The supergraph with its routing URLs pointed at the given subgraphs (every gateway gets the same). */
export function withRoutingUrls(supergraphSdl: string, urls: Record<string, string>): string {
  return supergraphSdl.replace(/(@join__graph\(\s*name:\s*"([^"]+)"\s*,\s*url:\s*")([^"]*)(")/g, (_whole, head: string, name: string, _url, tail: string) => {
    const url = urls[name];
    if (!url) throw new Error(`no URL for subgraph ${name}`);
    return `${head}${url}${tail}`;
  });
}

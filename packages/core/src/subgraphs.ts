/**
 * The platform's subgraphs: the one list the platform, the composition, the gateway's settings,
 * the backups, the scripts and the benchmarks derive theirs from. Adding a subgraph is its folder
 * (subgraphs/<name>, package `@organoise/subgraph-<name>`, whose index.ts exports `subgraph`
 * made by defineSubgraph) and one line here. Each entry: its name (the supergraph's, the internal
 * token's audience), the Postgres schema it owns, where it listens in a local run (the gateway's
 * port plus `portOffset`), and the subgraphs whose URL it needs when it starts (`needs`).
 */
export const SUBGRAPHS = [
  { name: 'user', databaseSchema: 'users', portOffset: 1, needs: [] },
  { name: 'workflow', databaseSchema: 'workflow', portOffset: 2, needs: [] },
  // Asks the workflow subgraph about run ids before a file is attached to one (docs/decisions/0008).
  { name: 'file', databaseSchema: 'files', portOffset: 3, needs: ['workflow'] },
  { name: 'analytics', databaseSchema: 'analytics', portOffset: 4, needs: [] },
  // Follows the sources' logs through their internal routes (docs/protocols/search.md, docs/decisions/0014).
  { name: 'search', databaseSchema: 'search', portOffset: 5, needs: ['user', 'workflow', 'file'] },
] as const satisfies readonly { name: string; databaseSchema: string; portOffset: number; needs: readonly string[] }[];

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

export const SUBGRAPH_NAMES: readonly SubgraphName[] = SUBGRAPHS.map((s) => s.name);

const entryOf = (name: SubgraphName) => SUBGRAPHS.find((s) => s.name === name)!;

/** The Postgres schema a subgraph owns (its migrations are drizzle.<schema>_migrations). */
export const databaseSchemaOf = (name: SubgraphName): string => entryOf(name).databaseSchema;

/** Where the gateway listens in a local run; each subgraph on the next ports. */
export const DEFAULT_GATEWAY_PORT = 4000;

export const portOffsetOf = (name: SubgraphName): number => entryOf(name).portOffset;

/** The subgraphs that must be listening before this one starts (their URLs are among its options). */
export const needsOf = (name: SubgraphName): readonly SubgraphName[] => entryOf(name).needs;

/** A subgraph's address in a local run: the routing URL written into the committed supergraph. */
export const localUrlOf = (name: SubgraphName, host = 'localhost'): string => `http://${host}:${DEFAULT_GATEWAY_PORT + portOffsetOf(name)}/graphql`;

/** The workspace package that holds a subgraph (its index.ts exports `subgraph`). */
export const packageOf = (name: SubgraphName): string => `@organoise/subgraph-${name}`;

/** `SUBGRAPH_<NAME>_URL`: where a gateway finds a subgraph, when not at the supergraph's URL. */
export type SubgraphUrlSetting<N extends SubgraphName = SubgraphName> = `SUBGRAPH_${Uppercase<N>}_URL`;
export const subgraphUrlSetting = <N extends SubgraphName>(name: N) => `SUBGRAPH_${name.toUpperCase()}_URL` as SubgraphUrlSetting<N>;

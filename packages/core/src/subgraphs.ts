/**
 * The platform's subgraphs: the one list the platform, the backups, the scripts and the
 * benchmarks derive theirs from. Adding a subgraph starts here. Each entry: its name (the
 * supergraph's, the internal token's audience), the Postgres schema it owns, and where it
 * listens in a local run (the gateway's port plus `portOffset`).
 */
export const SUBGRAPHS = [
  { name: 'user', databaseSchema: 'users', portOffset: 1 },
  { name: 'workflow', databaseSchema: 'workflow', portOffset: 2 },
  { name: 'file', databaseSchema: 'files', portOffset: 3 },
  { name: 'analytics', databaseSchema: 'analytics', portOffset: 4 },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

export const SUBGRAPH_NAMES: readonly SubgraphName[] = SUBGRAPHS.map((s) => s.name);

/** The Postgres schema a subgraph owns (its migrations are drizzle.<schema>_migrations). */
export const databaseSchemaOf = (name: SubgraphName): string => SUBGRAPHS.find((s) => s.name === name)!.databaseSchema;

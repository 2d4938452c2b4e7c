// What the benchmark's parent and its service processes share. Kept apart from service.ts, whose
// import alone turns a process into a service child (it listens for the parent's messages).

export const SUBGRAPHS = ['user', 'workflow', 'file', 'analytics'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];
export type ServiceName = SubgraphName | 'gateway';

export interface ServiceConfig {
  name: ServiceName;
  databaseUrl: string;
  poolMax: number;
  internalTokenSecret: string;
  issuer: string;
  fileStorageDir: string;
  /** The gateway's: where the subgraphs listen. */
  subgraphUrls?: Record<SubgraphName, string>;
}

import { serveChild } from '../lib/child.js';
import { startGuildSubgraphs } from './subgraphs.js';
import { loadWorkload, type SubgraphName } from './workload.js';

// Child-process entry: the four subgraphs in one process, on free loopback ports.
serveChild<{ workloadDir: string }, Record<SubgraphName, string>>(async ({ workloadDir }) => {
  const subgraphs = await startGuildSubgraphs(loadWorkload(workloadDir).data);
  return { info: subgraphs.urls, close: subgraphs.close };
});

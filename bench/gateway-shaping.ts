import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createLogger } from '@organoise/core';
import { startGateway, useCompiledShaping } from '@organoise/gateway';
import { loadBenchEnv } from './env.js';
import { loadWorkload, startGuildSubgraphs, withRoutingUrls } from './guild-federation/index.js';

// CPU time of result shaping on the federation workload, in one process: @apollo/gateway's
// computeResponse against our compiled one (gateway/src/apollo/compiled-shaping.ts), on the very
// input and operation a real request produced. Process CPU time (process.cpuUsage), so a loaded
// machine (where bench:gateway's figures swing) changes this figure much less.
//   cd bench && APOLLO_TELEMETRY_DISABLED=true npx tsx gateway-shaping.ts

type Shaping = (args: unknown) => unknown;

const env = loadBenchEnv();
const workload = loadWorkload(env.BENCH_WORKLOAD_DIR);
const subgraphs = await startGuildSubgraphs(workload.data);
const gateway = await startGateway({
  supergraphSdl: withRoutingUrls(workload.supergraphSdl, subgraphs.urls),
  identity: null,
  log: createLogger({ service: 'gateway', bench: true }, 'warn'),
  port: 0,
  host: '127.0.0.1',
  playground: false,
  web: false,
  protection: { rateLimits: false },
});
try {
  // The export executeQueryPlan calls; with the compiled shaping off it is Apollo's code path.
  const require = createRequire(import.meta.url);
  const shapingModule = require(join(dirname(require.resolve('@apollo/gateway')), 'resultShaping.js')) as { computeResponse: Shaping };
  const shaping = shapingModule.computeResponse;
  let captured: unknown;
  shapingModule.computeResponse = (args) => {
    captured = args;
    return shaping(args);
  };
  for (let i = 0; i < 2; i++) {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: workload.body });
    if ((await response.text()).trimEnd() !== workload.expected.trimEnd()) throw new Error('the gateway answered something other than expected.json');
  }
  shapingModule.computeResponse = shaping;
  if (!captured) throw new Error('no answer was shaped');

  const microsecondsPerCall = (compiled: boolean, calls: number) => {
    useCompiledShaping(compiled);
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) shaping(captured);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / calls;
  };
  useCompiledShaping(false);
  const apollo = JSON.stringify(shaping(captured));
  useCompiledShaping(true);
  if (JSON.stringify(shaping(captured)) !== apollo) throw new Error('the compiled shaping answered differently');
  console.log('| round | Apollo computeResponse µs | compiled µs |');
  console.log('|--:|--:|--:|');
  for (let round = 1; round <= 5; round++) {
    const stock = microsecondsPerCall(false, 500);
    const compiled = microsecondsPerCall(true, 500);
    console.log(`| ${round} | ${stock.toFixed(0)} | ${compiled.toFixed(0)} |`);
  }
} finally {
  useCompiledShaping(true);
  await gateway.close();
  await subgraphs.close();
}

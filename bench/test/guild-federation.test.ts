import { startGateway, type RunningGateway } from '@organoise/gateway';
import { testLog } from '@organoise/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBenchEnv } from '../env.js';
import { checkGatewayResponse, loadWorkload, startGuildSubgraphs, withRoutingUrls, type RunningSubgraphs } from '../guild-federation/index.js';

// Our gateway on a graph it was not written for: the graphql-hive federation benchmark's four
// subgraphs (@provides, @requires, nested entity fetches across all four).
const workload = loadWorkload(loadBenchEnv().BENCH_WORKLOAD_DIR);
let subgraphs: RunningSubgraphs;
let gateway: RunningGateway;

beforeAll(async () => {
  subgraphs = await startGuildSubgraphs(workload.data);
  gateway = await startGateway({ supergraphSdl: withRoutingUrls(workload.supergraphSdl, subgraphs.urls), identity: null, log: testLog });
});

afterAll(async () => {
  await gateway?.close();
  await subgraphs?.close();
});

describe('the federation benchmark workload through our gateway', () => {
  it('answers the benchmark operation with exactly the bytes of expected.json', async () => {
    const check = await checkGatewayResponse(gateway.url, workload);
    expect(check.bytes).toBe(Buffer.byteLength(workload.expected) + (check.trailingNewline ? 1 : 0));
  });

  it('answers the same bytes again once its caches are warm', async () => {
    for (let i = 0; i < 3; i++) await checkGatewayResponse(gateway.url, workload);
  });
});

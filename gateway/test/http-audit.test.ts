import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../src/index.js';
import { startUserGraph, type UserGraph } from './harness.js';

// graphql-http's GraphQL-over-HTTP server audit against the gateway with its protection layer as
// shipped (default limits, CSRF checks, in-memory rate limits, development mode). Every MUST
// passes. The audits' probes use introspection (`__type`), so in production mode, or with the
// safelist enforced, the MUSTs that send `__type` or an unlisted `{ __typename }` are refused by
// design.
//
// SHOULDs and MAYs not met, as this test measures them (it fails if the list changes):
// - SHOULD use 200 on document parsing failure / validation failure / variable coercion failure
//   when accepting application/json (572B, FDE2, 7B9B): Apollo Server answers 400, the status the
//   newer application/graphql-response+json rules ask for.
// (GET without a CSRF preflight header is served since docs/decisions/0006, so 5A70, 6A70 and D6D5
// are met.)
const NOT_MET = ['572B', '7B9B', 'FDE2'];

let graph: UserGraph;
let gateway: RunningGateway;

beforeAll(async () => {
  graph = await startUserGraph();
  gateway = await startGateway(graph.gatewayOptions);
});

afterAll(async () => {
  await gateway?.close();
  await graph?.close();
});

const audits = serverAudits({ url: () => gateway.url });

describe('GraphQL over HTTP audit (graphql-http)', () => {
  for (const audit of audits.filter((a) => a.name.startsWith('MUST'))) {
    it(`${audit.id}: ${audit.name}`, async () => {
      const result = await audit.fn();
      expect(result.status === 'ok' ? 'ok' : `${result.status}: ${result.reason}`).toBe('ok');
    });
  }

  it('misses only the SHOULDs and MAYs listed above', async () => {
    const missed: string[] = [];
    for (const audit of audits.filter((a) => !a.name.startsWith('MUST'))) {
      if ((await audit.fn()).status !== 'ok') missed.push(audit.id);
    }
    expect(missed.sort()).toEqual(NOT_MET);
  });
});

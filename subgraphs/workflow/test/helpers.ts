import { randomUUID } from 'node:crypto';
import type { Role, Viewer } from '@organoise/core';
import { createTestDatabase, subgraphClient, TEST_INTERNAL_SECRET, testLog, type GraphQLResponse } from '@organoise/core/testing';
import { expect } from 'vitest';
import { startWorkflowSubgraph, SUBGRAPH_NAME, type WorkflowSubgraph } from '../src/index.js';

export type Call = <D = Record<string, any>>(query: string, variables?: Record<string, unknown>, viewer?: Viewer | null) => Promise<GraphQLResponse<D>>;

export interface Harness {
  server: WorkflowSubgraph;
  call: Call;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const db = await createTestDatabase();
  const server = await startWorkflowSubgraph({
    database: { url: db.url, dataDir: db.dataDir },
    internalTokenSecret: TEST_INTERNAL_SECRET,
    log: testLog,
  });
  return {
    server,
    call: subgraphClient(server.url, SUBGRAPH_NAME, TEST_INTERNAL_SECRET) as Call,
    close: async () => {
      await server.close();
      await db.drop();
    },
  };
}

export const viewerWith = (memberships: Record<string, Role>, userId: string = randomUUID()): Viewer => ({
  userId,
  sessionId: randomUUID(),
  memberships,
});

/** The same person with another role (the gateway always sends fresh roles). */
export const asRole = (viewer: Viewer, orgId: string, role: Role): Viewer => ({ ...viewer, memberships: { ...viewer.memberships, [orgId]: role } });

/**
 * draft --submit--> review --approve--> approved (final)
 *                   review --reject---> rejected (final)
 *                   review --revise---> draft
 * draft opens a task for the starter, review one for admins.
 */
export const approvalGraph = () => ({
  states: [
    { name: 'draft', task: { title: 'Submit the request', assignToStarter: true } },
    { name: 'review', task: { title: 'Review the request', assigneeRole: 'ADMIN' } },
    { name: 'approved', final: true },
    { name: 'rejected', final: true },
  ],
  initialState: 'draft',
  transitions: [
    { name: 'submit', from: 'draft', to: 'review', allowedRoles: ['MEMBER', 'ADMIN', 'OWNER'] },
    { name: 'approve', from: 'review', to: 'approved', allowedRoles: ['ADMIN', 'OWNER'] },
    { name: 'reject', from: 'review', to: 'rejected', allowedRoles: ['ADMIN', 'OWNER'] },
    { name: 'revise', from: 'review', to: 'draft', allowedRoles: ['ADMIN', 'OWNER'] },
  ],
});

export const CREATE_DEFINITION = /* GraphQL */ `
  mutation ($input: CreateWorkflowDefinitionInput!) {
    createWorkflowDefinition(input: $input) {
      id
      key
      name
      description
      version
      organization { id }
      latestVersion { version initialState states { name final task { title assigneeRole assignToStarter } } transitions { name from to allowedRoles } }
    }
  }
`;

export const START_RUN = /* GraphQL */ `
  mutation ($input: StartWorkflowRunInput!) {
    startWorkflowRun(input: $input) { id state status definitionVersion data startedBy { id } openTask { id title state status } }
  }
`;

export const TRANSITION = /* GraphQL */ `
  mutation ($input: TransitionWorkflowRunInput!) {
    transitionWorkflowRun(input: $input) { id state status definitionVersion finishedAt }
  }
`;

export const RUN_SNAPSHOT = /* GraphQL */ `
  query ($id: ID!) {
    workflowRun(id: $id) {
      id
      state
      status
      updatedAt
      history(first: 100) { totalCount nodes { sequence transition from to comment actor { id } } }
      tasks(first: 100) { totalCount nodes { id state status completedBy { id } } }
    }
  }
`;

/** Fails the test with the response when GraphQL reported errors. */
export function ok<D>(response: GraphQLResponse<D>): D {
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  return response.data as D;
}

export async function createDefinition(call: Call, viewer: Viewer, input: Record<string, unknown>) {
  const data = ok(await call(CREATE_DEFINITION, { input }, viewer));
  return data.createWorkflowDefinition as { id: string; key: string; version: number };
}

export async function startRun(call: Call, viewer: Viewer, definitionId: string, data: unknown = null) {
  const response = await call(START_RUN, { input: { definitionId, data } }, viewer);
  return ok(response).startWorkflowRun as { id: string; state: string; status: string; definitionVersion: number; openTask: { id: string } | null };
}

export async function snapshot(call: Call, viewer: Viewer, runId: string) {
  return ok(await call(RUN_SNAPSHOT, { id: runId }, viewer)).workflowRun;
}

import { randomUUID } from 'node:crypto';
import { roleIn } from '@organoise/core';
import type { WorkflowRuns } from '../../src/index.js';

/**
 * A stand-in for the workflow subgraph's answer about runs, for tests that start the file subgraph
 * alone: it knows the runs the test made up (`create`) and answers as the workflow subgraph does,
 * a run of that organization and visible to a member of it. e2e/file-runs.e2e.ts asks the real
 * workflow subgraph through the gateway.
 */
export class StandInWorkflowRuns implements WorkflowRuns {
  private readonly organizationOf = new Map<string, string>();
  /** Every question asked, in order. */
  readonly asked: { organizationId: string; runId: string }[] = [];

  /** A new run of `organizationId`. */
  create(organizationId: string): string {
    const runId = randomUUID();
    this.organizationOf.set(runId, organizationId);
    return runId;
  }

  async isRunOf(viewer: Parameters<WorkflowRuns['isRunOf']>[0], organizationId: string, runId: string): Promise<boolean> {
    this.asked.push({ organizationId, runId });
    return roleIn(viewer, organizationId) !== null && this.organizationOf.get(runId) === organizationId;
  }
}

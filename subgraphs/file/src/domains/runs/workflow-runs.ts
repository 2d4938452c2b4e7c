import { appError, INTERNAL_TOKEN_HEADER, notFound, roleIn, signInternalToken, type Logger, type Viewer } from '@organoise/core';

/**
 * Which runs a file may be attached to. Runs live in the workflow subgraph; this subgraph keeps
 * only their ids (files.workflow_run_id), so before it stores one it asks the workflow subgraph.
 *
 * Why a read-through and not a projection of runs fed by the workflow subgraph's events
 * (docs/decisions/0008-file-run-references.md): a run is written to the workflow subgraph's
 * database before startWorkflowRun answers, so asking the workflow subgraph (any replica: they
 * share that database) sees every run its creator could have learned of, including one created a
 * moment ago, with no lag to wait out. A projection would need a stream of every organization's
 * runs (there is none: streams are per run and per organization), a backfill, and this very
 * read-through for the runs it has not seen yet; and it would mean reading another service's log.
 */
export interface WorkflowRuns {
  /**
   * Whether `runId` is a run of `organizationId` that `viewer` may see. False for a run that does
   * not exist or belongs to another organization; throws SUBGRAPH_UNAVAILABLE when it cannot tell.
   */
  isRunOf(viewer: Viewer, organizationId: string, runId: string, clientIp: string | null): Promise<boolean>;
}

/**
 * NOT_FOUND unless `runId` is a run of `organizationId` that the viewer may see: the answer for a
 * foreign run and for a made-up one alike, as for any entity the caller cannot see.
 */
export async function requireRunOf(deps: { runs: WorkflowRuns; viewer: Viewer; clientIp: string | null }, organizationId: string, runId: string): Promise<void> {
  if (!(await deps.runs.isRunOf(deps.viewer, organizationId, runId, deps.clientIp))) throw notFound('Workflow run');
}

const RUN_QUERY = 'query FileRunCheck($id: ID!) { workflowRun(id: $id) { id organization { id } } }';
export const DEFAULT_WORKFLOW_TIMEOUT_MS = 5_000;

const unavailable = () => appError('SUBGRAPH_UNAVAILABLE', 'The workflow subgraph could not confirm the run; nothing was changed, retry later');

/**
 * Asks the workflow subgraph (`workflowRun(id)`, docs/protocols/internal-token.md) as the caller,
 * but with their role in `organizationId` only: the workflow subgraph then shows the run only if
 * it is in that organization, and the organization it reports is checked again here.
 */
export function workflowRunsOverHttp(options: { url: string; internalTokenSecret: string; log: Logger; timeoutMs?: number }): WorkflowRuns {
  const timeoutMs = options.timeoutMs ?? DEFAULT_WORKFLOW_TIMEOUT_MS;
  return {
    async isRunOf(viewer, organizationId, runId, clientIp) {
      const role = roleIn(viewer, organizationId);
      if (!role) return false;
      const scoped: Viewer = { userId: viewer.userId, sessionId: viewer.sessionId, memberships: { [organizationId]: role } };
      const token = await signInternalToken(options.internalTokenSecret, 'workflow', scoped, clientIp);
      let body: { data?: { workflowRun?: { organization?: { id?: string } } | null } | null; errors?: { extensions?: { code?: string } }[] };
      try {
        const response = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token },
          body: JSON.stringify({ query: RUN_QUERY, variables: { id: runId } }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        body = (await response.json()) as typeof body;
      } catch (error) {
        options.log.warn('workflow subgraph unreachable for a run check', { error });
        throw unavailable();
      }
      const codes = (body.errors ?? []).map((e) => e.extensions?.code);
      if (codes.length > 0 && codes.every((code) => code === 'NOT_FOUND')) return false;
      if (codes.length > 0 || body.data?.workflowRun === undefined) {
        options.log.warn('workflow subgraph refused a run check', { codes });
        throw unavailable();
      }
      return body.data.workflowRun?.organization?.id === organizationId;
    },
  };
}

/** For a file subgraph started without the workflow subgraph's address: no run can be confirmed. */
export const NO_WORKFLOW_RUNS: WorkflowRuns = {
  isRunOf: async () => {
    throw unavailable();
  },
};

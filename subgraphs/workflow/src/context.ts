import { byIdLoader, groupedLoader, type BaseContext, type Database, type DomainDeps, type SubgraphContext, type SubgraphServices } from '@organoise/core';
import { definitionsForViewer, versionKey, versionsByKeys } from './domains/definitions/definitions.js';
import { runsForViewer } from './domains/runs/runs.js';
import { openTasksOfRuns, tasksForViewer } from './domains/tasks/tasks.js';
import { createPageLoaders, type PageLoader } from './pages.js';

/** The workflow subgraph has only the services every subgraph has. */
export type WorkflowServices = SubgraphServices;

export type WorkflowContext = SubgraphContext<WorkflowServices, ReturnType<typeof createLoaders>>;

/** What the workflow's domain functions take first (docs/decisions/0012-domain-functions.md); a resolver passes its context. */
export type WorkflowDeps = DomainDeps<WorkflowServices>;

/** A list hanging off a parent (a definition's versions, a run's history...) pages through the request's page loader. */
export type PageDeps = Pick<WorkflowDeps, 'viewer'> & { loaders: { page: PageLoader } };

/** Per-request loaders: every entity lookup and per-parent list in one request is batched. */
export function createLoaders(db: Database, base: BaseContext) {
  return {
    definition: byIdLoader((ids) => definitionsForViewer({ db, viewer: base.viewer }, ids), (d) => d.id),
    /** Keyed by `definitionId:version`; only reached from a definition or run the viewer may see. */
    version: byIdLoader((keys) => versionsByKeys(db, keys), (v) => versionKey(v.definitionId, v.version)),
    run: byIdLoader((ids) => runsForViewer({ db, viewer: base.viewer }, ids), (r) => r.id),
    task: byIdLoader((ids) => tasksForViewer({ db, viewer: base.viewer }, ids), (t) => t.id),
    openTask: groupedLoader((runIds) => openTasksOfRuns(db, runIds), (t) => t.runId),
    page: createPageLoaders(db),
  };
}

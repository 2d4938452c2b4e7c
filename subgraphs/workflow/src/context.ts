import { byIdLoader, groupedLoader, type BaseContext, type Database, type SubgraphContext, type SubgraphServices } from '@organoise/core';
import { definitionsForViewer, versionKey, versionsByKeys } from './domains/definitions/definitions.js';
import { runsForViewer } from './domains/runs/runs.js';
import { openTasksOfRuns, tasksForViewer } from './domains/tasks/tasks.js';
import { createPageLoaders } from './pages.js';

/** The workflow subgraph has only the services every subgraph has. */
export type WorkflowServices = SubgraphServices;

export type WorkflowContext = SubgraphContext<WorkflowServices, ReturnType<typeof createLoaders>>;

/** Per-request loaders: every entity lookup and per-parent list in one request is batched. */
export function createLoaders(db: Database, base: BaseContext) {
  return {
    definition: byIdLoader((ids) => definitionsForViewer(db, base.viewer, ids), (d) => d.id),
    /** Keyed by `definitionId:version`; only reached from a definition or run the viewer may see. */
    version: byIdLoader((keys) => versionsByKeys(db, keys), (v) => versionKey(v.definitionId, v.version)),
    run: byIdLoader((ids) => runsForViewer(db, base.viewer, ids), (r) => r.id),
    task: byIdLoader((ids) => tasksForViewer(db, base.viewer, ids), (t) => t.id),
    openTask: groupedLoader((runIds) => openTasksOfRuns(db, runIds), (t) => t.runId),
    page: createPageLoaders(db),
  };
}

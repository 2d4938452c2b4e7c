import { byIdLoader, groupedLoader, type BaseContext, type Database, type EventBus } from '@organoise/core';
import { definitionsForViewer, versionKey, versionsByKeys } from './domains/definitions/definitions.js';
import { runsForViewer } from './domains/runs/runs.js';
import { openTasksOfRuns, tasksForViewer } from './domains/tasks/tasks.js';
import { createPageLoaders } from './pages.js';

export interface WorkflowServices {
  db: Database;
  /** The event log and PubSub: mutations append to it, subscriptions follow it. */
  bus: EventBus;
  /** How often a subscription also reads the log, to catch a publish lost in transit; 0 = never. */
  eventPollIntervalMs: number;
}

export type WorkflowContext = BaseContext & WorkflowServices & { loaders: ReturnType<typeof createLoaders> };

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

/**
 * A subscription's context lives as long as the subscription, so its loaders would serve each
 * event the rows cached for an earlier one. Each event starts with empty loaders: it shows the
 * rows as they are now. (graphql-ws executes one subscription's events one after another.)
 */
export function renewLoaders(ctx: WorkflowContext): void {
  ctx.loaders = createLoaders(ctx.db, ctx);
}

import type { PageArgs } from '@organoise/core';
import type { FileContext } from '../../context.js';
import { listRunFiles, type WorkflowRunRef } from './runs.js';

export const runResolvers = {
  WorkflowRun: {
    // The representation carries `organization { id }` from the workflow subgraph (@requires); it is
    // checked where it is used, in `files`.
    __resolveReference: (ref: WorkflowRunRef) => ref,
    files: (run: WorkflowRunRef, args: PageArgs, ctx: FileContext) => listRunFiles(ctx.loaders.runFiles, ctx.viewer, run, args),
  },
};

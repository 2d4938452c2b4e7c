import { subgraphDomain } from '@organoise/core';
import type { PageArgs } from '@organoise/core';
import type { FileContext } from '../../context.js';
import { listRunFiles, type WorkflowRunRef } from './runs.js';
import { permissions } from './permissions.js';

export const runResolvers = {
  WorkflowRun: {
    // The representation carries `organization { id }` from the workflow subgraph (@requires); it is
    // checked where it is used, in `files`.
    __resolveReference: (ref: WorkflowRunRef) => ref,
    files: (run: WorkflowRunRef, args: PageArgs, ctx: FileContext) => listRunFiles(ctx, run, args),
  },
};

/** This domain, as its subgraph's index.ts lists it. */
export const domain = subgraphDomain(import.meta.url, runResolvers, permissions);

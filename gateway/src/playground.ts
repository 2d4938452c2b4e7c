import type express from 'express';

/** Placeholder until the self-hosted GraphiQL bundle lands (see playground/). */
export function mountPlayground(_app: express.Express): void {}

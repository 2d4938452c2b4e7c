import { randomUUID } from 'node:crypto';
import { forgetIdempotencyKeys, IDEMPOTENCY_KEY_RETENTION_HOURS } from '@organoise/core';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../src/db/schema.js';
import { approvalGraph, createDefinition, ok, START_RUN, startHarness, viewerWith, type Harness } from './helpers.js';

// How long an idempotency key is remembered (docs/protocols/idempotency.md): the retention trim,
// which the subgraph's timer runs outside any write, forgets keys older than 24 hours and no
// others; a retry with a forgotten key is a new write.
let h: Harness;
const orgId = randomUUID();
const admin = viewerWith({ [orgId]: 'ADMIN' });
let definitionId: string;

const start = async (key: string) => ok(await h.call(START_RUN, { input: { definitionId, idempotencyKey: key } }, admin)).startWorkflowRun.id as string;
const keysHeld = async () => (await h.server.services.db.select({ key: idempotencyKeys.key }).from(idempotencyKeys)).map((r) => r.key).sort();

beforeAll(async () => {
  h = await startHarness();
  definitionId = (await createDefinition(h.call, admin, { organizationId: orgId, key: 'approval', name: 'Approval', ...approvalGraph() })).id;
});
afterAll(async () => {
  await h?.close();
});

describe('idempotency key retention', () => {
  it('forgets the keys past retention and keeps the others; a retry with a forgotten key writes anew', async () => {
    const [old, fresh] = ['old-key-' + randomUUID(), 'fresh-key-' + randomUUID()];
    const oldRun = await start(old);
    const freshRun = await start(fresh);
    const db = h.server.services.db;
    await db.update(idempotencyKeys).set({ createdAt: sql`now() - make_interval(hours => ${IDEMPOTENCY_KEY_RETENTION_HOURS + 1})` }).where(eq(idempotencyKeys.key, old));

    // Writes no longer trim: the old key is still there, and still replays.
    expect(await start(old)).toBe(oldRun);
    expect(await keysHeld()).toEqual([fresh, old].sort());

    expect(await forgetIdempotencyKeys(db, idempotencyKeys, new Date(Date.now() - IDEMPOTENCY_KEY_RETENTION_HOURS * 3_600_000))).toBe(1);
    expect(await keysHeld()).toEqual([fresh]);
    expect(await start(fresh)).toBe(freshRun);
    const again = await start(old);
    expect(again).not.toBe(oldRun);
  });
});

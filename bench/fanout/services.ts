import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createPubSub, INTERNAL_TOKEN_HEADER, signInternalToken, startSubgraphs, type SubgraphName, type Viewer } from '@organoise/core';
import { MemoryMailer, type UserServices } from '@organoise/subgraph-user';
import { sql } from 'drizzle-orm';
import { serveChild } from '../lib/child.js';
import { serveWindow } from './probe.js';

// Every subgraph in one child process (the gateway and the clients each have their own), on
// a real Postgres database, with the fan-out's organizations, members and their access tokens
// seeded straight into the user subgraph's tables: signing 10,000 people up through the API would
// hash 10,000 passwords, which is not what this benchmark measures.

export interface ServicesConfig {
  databaseUrl: string;
  redisUrl: string | undefined;
  internalTokenSecret: string;
  issuer: string;
  organizations: number;
  membersPerOrganization: number;
}

export type Role = 'ADMIN' | 'MEMBER' | 'VIEWER';

export interface Member {
  organizationId: string;
  userId: string;
  role: Role;
  /** An access token for the gateway (Authorization: Bearer). */
  accessToken: string;
  /** The viewer as the gateway names it to subgraphs (the baseline signs internal tokens for it: they live a minute). */
  viewer: Viewer;
}

export interface Organization {
  id: string;
  ownerId: string;
  ownerName: string;
  name: string;
  definitionId: string;
  /** The owner: the publisher starts runs as them, straight on the workflow subgraph. */
  owner: Viewer;
}

export interface ServicesInfo {
  urls: Record<SubgraphName, string>;
  organizations: Organization[];
  members: Member[];
}

const DEFINITION = {
  key: 'fanout',
  name: 'Fan-out',
  description: 'Runs started by the benchmark publisher.',
  initialState: 'open',
  states: [{ name: 'open' }, { name: 'closed', final: true }],
  transitions: [{ name: 'close', from: 'open', to: 'closed', allowedRoles: ['OWNER', 'ADMIN'] }],
};

/** Not an argon2 hash: nobody signs in with a password here (the tokens are signed directly). */
const NO_PASSWORD = '!';

/** Roles in a realistic organization: a few admins, mostly members, the rest read-only viewers. */
export const roleOf = (index: number): Role => (index % 20 === 0 ? 'ADMIN' : index % 20 < 13 ? 'MEMBER' : 'VIEWER');

serveWindow({ extra: () => ({}) });

serveChild<ServicesConfig, ServicesInfo>(async (config) => {
  const log = createLogger({ bench: 'fanout' }, 'warn');
  const pubsub = createPubSub(config.redisUrl, (error) => log.warn('redis error', { error: error.message }));
  const storageDir = mkdtempSync(join(tmpdir(), 'organoise-fanout-files-'));
  const common = (service: string) => ({
    database: { url: config.databaseUrl, dataDir: undefined },
    internalTokenSecret: config.internalTokenSecret,
    log: log.child({ service }),
    port: 0,
    host: '127.0.0.1',
    pubsub,
  });
  const own: { [N in SubgraphName]?: Record<string, unknown> } = {
    user: { tokens: { issuer: config.issuer, ttlSeconds: 6 * 3600 }, sessionTtlSeconds: 86_400, mail: { mailer: new MemoryMailer() } },
    file: { storageDir },
  };
  const subgraphs = await startSubgraphs((name) => ({ ...common(name), ...own[name] }));
  const { db, tokens } = subgraphs.user.services as UserServices;

  const organizations: Organization[] = [];
  const members: Member[] = [];
  const expiresAt = new Date(Date.now() + 86_400_000);
  for (let o = 0; o < config.organizations; o++) {
    const orgId = randomUUID();
    const ownerId = randomUUID();
    const ownerName = `Owner ${o}`;
    await db.execute(sql`insert into users.organizations (id, name, slug) values (${orgId}, ${`Fan-out ${o}`}, ${`fanout-${o}-${orgId.slice(0, 8)}`})`);
    const people = [{ id: ownerId, role: 'OWNER' as const, name: ownerName }];
    for (let m = 0; m < config.membersPerOrganization; m++) people.push({ id: randomUUID(), role: roleOf(m) as never, name: `Member ${o}.${m}` });
    const sessions = new Map<string, string>();
    // A few hundred rows per statement: one statement per table and chunk.
    for (let i = 0; i < people.length; i += 500) {
      const chunk = people.slice(i, i + 500);
      for (const p of chunk) sessions.set(p.id, randomUUID());
      await db.execute(sql`insert into users.users (id, email, name, password_hash) values ${sql.join(chunk.map((p) => sql`(${p.id}, ${`${p.id}@fanout.test`}, ${p.name}, ${NO_PASSWORD})`), sql`, `)}`);
      await db.execute(
        sql`insert into users.memberships (id, organization_id, user_id, role) values ${sql.join(chunk.map((p) => sql`(${randomUUID()}, ${orgId}, ${p.id}, ${p.role})`), sql`, `)}`,
      );
      await db.execute(
        sql`insert into users.sessions (id, user_id, expires_at) values ${sql.join(chunk.map((p) => sql`(${sessions.get(p.id)!}, ${p.id}, ${expiresAt.toISOString()})`), sql`, `)}`,
      );
    }
    const viewerOf = (p: { id: string; role: string }): Viewer => ({ userId: p.id, sessionId: sessions.get(p.id)!, memberships: { [orgId]: p.role as never } });
    const ownerWorkflowToken = await signInternalToken(config.internalTokenSecret, 'workflow', viewerOf(people[0]!));
    const created = await fetch(subgraphs.workflow.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: ownerWorkflowToken },
      body: JSON.stringify({
        query: 'mutation($i: CreateWorkflowDefinitionInput!) { createWorkflowDefinition(input: $i) { id } }',
        variables: { i: { organizationId: orgId, ...DEFINITION } },
      }),
    });
    const body = (await created.json()) as { data?: { createWorkflowDefinition: { id: string } }; errors?: unknown };
    if (!body.data) throw new Error(`createWorkflowDefinition failed: ${JSON.stringify(body.errors)}`);
    organizations.push({ id: orgId, ownerId, ownerName, name: `Fan-out ${o}`, definitionId: body.data.createWorkflowDefinition.id, owner: viewerOf(people[0]!) });
    for (const p of people.slice(1)) {
      const viewer = viewerOf(p);
      members.push({
        organizationId: orgId,
        userId: p.id,
        role: p.role as Role,
        accessToken: (await tokens.sign(p.id, viewer.sessionId)).token,
        viewer,
      });
    }
  }

  return {
    info: { urls: Object.fromEntries(Object.entries(subgraphs).map(([name, s]) => [name, s.url])) as Record<SubgraphName, string>, organizations, members },
    close: async () => {
      await Promise.allSettled(Object.values(subgraphs).map((s) => s.close()));
      await pubsub.close();
      rmSync(storageDir, { recursive: true, force: true });
    },
  };
});

import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import type { Sql } from 'postgres';

// The measured operation, as the clients send it (schema/operations/dashboard.graphql), and its
// right answer for one viewer, computed independently with SQL over the seeded tables.

const OPERATIONS = new URL('../../schema/operations/dashboard.graphql', import.meta.url);

export function operationText(name: string): string {
  const operation = parse(readFileSync(OPERATIONS, 'utf8')).definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name,
  );
  if (!operation) throw new Error(`schema/operations/dashboard.graphql has no operation ${name}`);
  return print(operation);
}

export const DASHBOARD_QUERY = operationText('PlatformDashboard');
/** The baseline: one subgraph, one field, the same gateway, authentication and principal lookup. */
export const VIEWER_QUERY = 'query ViewerId { viewer { id } }';

export interface DashboardVariables {
  organizationId: string;
  from: string;
  to: string;
}

/** `data` of PlatformDashboard for this viewer, from SQL. */
export async function expectedDashboard(sql: Sql, viewerId: string, vars: DashboardVariables) {
  const org = vars.organizationId;
  const [viewer] = await sql<{ id: string; name: string }[]>`select id, name from users.users where id = ${viewerId}`;
  const [organization] = await sql<{ id: string; name: string; role: string }[]>`
    select o.id, o.name, m.role from users.organizations o join users.memberships m on m.organization_id = o.id and m.user_id = ${viewerId} where o.id = ${org}`;
  if (!viewer || !organization) throw new Error(`user ${viewerId} is not a member of ${org}`);
  const count = async (query: Promise<{ n: number }[]>) => (await query)[0]!.n;
  const members = await count(sql`select count(*)::int as n from users.memberships where organization_id = ${org}`);
  const runs = await count(sql`select count(*)::int as n from workflow.runs where organization_id = ${org}`);
  const active = await count(sql`select count(*)::int as n from workflow.runs where organization_id = ${org} and status = 'ACTIVE'`);
  const recentRuns = await sql<{ id: string; state: string; status: string; definition_id: string; definition_name: string; started_by: string; starter_name: string }[]>`
    select r.id, r.state, r.status, r.definition_id, d.name as definition_name, r.started_by, u.name as starter_name
    from workflow.runs r join workflow.definitions d on d.id = r.definition_id join users.users u on u.id = r.started_by
    where r.organization_id = ${org} order by r.created_at desc, r.id desc limit 10`;
  const range = sql`organization_id = ${org} and occurred_at >= ${vars.from}::timestamptz and occurred_at < ${vars.to}::timestamptz`;
  const [activity] = await sql<{ events: number; actors: number }[]>`
    select count(*)::int as events, count(distinct actor_id)::int as actors from analytics.events where ${range}`;
  const totals = await sql<{ type: string; count: number }[]>`
    select type, count(*)::int as count from analytics.events where ${range} group by type order by count(*) desc, type collate "C" asc`;
  const files = await count(sql`select count(*)::int as n from files.files where organization_id = ${org}`);
  const recentFiles = await sql<{ id: string; name: string; size: number }[]>`
    select id, name, size from files.files where organization_id = ${org} order by created_at desc, id desc limit 5`;
  return {
    viewer: { id: viewer.id, name: viewer.name },
    organization: {
      id: organization.id,
      name: organization.name,
      viewerRole: organization.role,
      members: { totalCount: members },
      workflowRuns: {
        totalCount: runs,
        nodes: recentRuns.map((r) => ({
          id: r.id,
          state: r.state,
          status: r.status,
          definition: { id: r.definition_id, name: r.definition_name },
          startedBy: { id: r.started_by, name: r.starter_name },
        })),
      },
      activeRuns: { totalCount: active },
      activity: { eventCount: activity!.events, activeUsers: activity!.actors, totals: totals.map((t) => ({ type: t.type, count: t.count })) },
      files: { totalCount: files, nodes: recentFiles.map((f) => ({ id: f.id, name: f.name, size: f.size })) },
    },
  };
}

/** Where the answer differs from the expected one (null when it does not), for the error message. */
export function difference(body: string, expected: unknown): string | null {
  const answer = JSON.parse(body) as { data?: unknown; errors?: unknown };
  if (answer.errors) return `errors: ${JSON.stringify(answer.errors).slice(0, 500)}`;
  if (isDeepStrictEqual(answer.data, expected)) return null;
  return `got ${JSON.stringify(answer.data).slice(0, 800)}\nexpected ${JSON.stringify(expected).slice(0, 800)}`;
}

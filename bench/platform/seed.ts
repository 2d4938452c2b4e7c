import type { Sql } from 'postgres';

// Bulk seed of realistic volume straight into the subgraphs' tables (their own migrations made
// them), with set-based SQL: going through the API would take hours at this volume. Every id is
// derived from an entity number, so the benchmark knows who belongs where without reading back.

export interface Volume {
  organizations: number;
  users: number;
  definitionsPerOrganization: number;
  runs: number;
  events: number;
  files: number;
}

export const FULL_VOLUME: Volume = { organizations: 100, users: 10_000, definitionsPerOrganization: 10, runs: 100_000, events: 1_000_000, files: 20_000 };
export const QUICK_VOLUME: Volume = { organizations: 10, users: 500, definitionsPerOrganization: 5, runs: 5_000, events: 50_000, files: 1_000 };

/** Entity kinds, the first group of their uuids. */
const KIND = { organization: 1, user: 2, definition: 3, run: 4, file: 5 } as const;
type Kind = keyof typeof KIND;

/** A valid v4-shaped uuid (version 4, variant 8) numbered n within its kind. */
export const uid = (kind: Kind, n: number) => `0000000${KIND[kind]}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
/** The same, in SQL, from an integer expression. */
const sqlUid = (kind: Kind, n: string) => `('0000000${KIND[kind]}-0000-4000-8000-' || lpad(to_hex(${n}), 12, '0'))::uuid`;

export const ROLES_BY_COHORT = ['OWNER', 'ADMIN', 'VIEWER'] as const;
/**
 * User j (1-based) belongs to organization ((j-1) mod O)+1; their cohort (j-1) div O makes the
 * first of each organization its OWNER, the second an ADMIN, the third a VIEWER, the rest MEMBERs.
 * Every tenth user is also a MEMBER of the next organization.
 */
export const userOf = (volume: Volume, organization: number, cohort: number) => organization + volume.organizations * cohort;
export const roleOfCohort = (cohort: number) => ROLES_BY_COHORT[cohort] ?? 'MEMBER';
export const emailOf = (user: number) => `user${user}@bench.organoise.test`;

// Seven types, weighted by repetition: page views the most common, as in a real product.
const EVENT_TYPES = ['page.viewed', 'page.viewed', 'page.viewed', 'workflow.run.started', 'workflow.run.transitioned', 'workflow.run.transitioned', 'workflow.run.completed', 'file.uploaded', 'file.downloaded', 'search.performed'];

const SPEC = {
  initialState: 'draft',
  states: [
    { name: 'draft' },
    { name: 'submitted', task: { title: 'Review the request', assigneeRole: 'ADMIN' } },
    { name: 'approved', final: true },
    { name: 'rejected', final: true },
  ],
  transitions: [
    { name: 'submit', from: 'draft', to: 'submitted', allowedRoles: ['OWNER', 'ADMIN', 'MEMBER'] },
    { name: 'approve', from: 'submitted', to: 'approved', allowedRoles: ['OWNER', 'ADMIN'] },
    { name: 'reject', from: 'submitted', to: 'rejected', allowedRoles: ['OWNER', 'ADMIN'] },
  ],
};

/**
 * Fills every table the dashboard reads. `now` anchors all timestamps (all in the past, at
 * millisecond precision as the services write them); `passwordHash` is one argon2id hash given to
 * every user. Returns the seconds each step took.
 */
export async function seed(sql: Sql, volume: Volume, now: Date, passwordHash: string, progress: (m: string) => void): Promise<Record<string, number>> {
  const O = volume.organizations;
  const U = volume.users;
  const D = volume.definitionsPerOrganization;
  const perOrg = Math.floor(U / O);
  const nowSql = `'${now.toISOString()}'::timestamptz`;
  // The organization of entity number n (1-based), dealt round-robin.
  const orgOf = (n: string) => `((${n} - 1) % ${O} + 1)`;
  // A member of organization `org` (one of its own users), picked by k.
  const memberOf = (org: string, k: string) => `(${org} + ${O} * ((${k}) % ${perOrg}))`;
  // The round of the deal: entity n is the round(n)-th of its organization. Spreads statuses,
  // types and actors within each organization (n itself is tied to its organization mod O).
  const round = (n: string) => `((${n} - 1) / ${O})`;
  const timings: Record<string, number> = {};
  const step = async (name: string, statement: string) => {
    const started = performance.now();
    await sql.unsafe(statement);
    timings[name] = (performance.now() - started) / 1000;
    progress(`seeded ${name} in ${timings[name].toFixed(1)} s`);
  };
  await sql.unsafe('set synchronous_commit = off');

  await step(
    'organizations',
    `insert into users.organizations (id, name, slug, created_at)
     select ${sqlUid('organization', 'o')}, 'Organization ' || o, 'org-' || o, ${nowSql} - interval '400 days' + o * interval '1 minute'
     from generate_series(1, ${O}) o`,
  );
  await sql.unsafe(
    `insert into users.users (id, email, name, password_hash, email_verified_at, created_at, updated_at)
     select ${sqlUid('user', 'u')}, 'user' || u || '@bench.organoise.test', 'User ' || u, $1, ${nowSql} - interval '300 days',
            ${nowSql} - interval '365 days' + u * interval '1 second', ${nowSql} - interval '365 days' + u * interval '1 second'
     from generate_series(1, ${U}) u`,
    [passwordHash],
  );
  progress('seeded users');
  await step(
    'memberships',
    `insert into users.memberships (id, organization_id, user_id, role, created_at)
     select gen_random_uuid(), ${sqlUid('organization', orgOf('u'))}, ${sqlUid('user', 'u')},
            case (u - 1) / ${O} when 0 then 'OWNER' when 1 then 'ADMIN' when 2 then 'VIEWER' else 'MEMBER' end,
            ${nowSql} - interval '300 days' + u * interval '1 second'
     from generate_series(1, ${U}) u
     union all
     select gen_random_uuid(), ${sqlUid('organization', `(u % ${O} + 1)`)}, ${sqlUid('user', 'u')}, 'MEMBER', ${nowSql} - interval '200 days' + u * interval '1 second'
     from generate_series(10, ${U}, 10) u where ${O} > 1`,
  );
  await sql.unsafe(
    `insert into workflow.definitions (id, organization_id, key, name, sort_name, description, latest_version, created_by, created_at, updated_at)
     select ${sqlUid('definition', 'd')}, ${sqlUid('organization', `((d - 1) / ${D} + 1)`)}, 'workflow-' || ((d - 1) % ${D} + 1),
            'Workflow ' || ((d - 1) % ${D} + 1), 'workflow ' || ((d - 1) % ${D} + 1), 'Seeded by the platform benchmark', 1,
            ${sqlUid('user', `((d - 1) / ${D} + 1)`)}, ${nowSql} - interval '100 days', ${nowSql} - interval '100 days'
     from generate_series(1, ${O * D}) d`,
  );
  await sql.unsafe(
    `insert into workflow.definition_versions (definition_id, version, spec, created_by, created_at)
     select id, 1, $1::jsonb, created_by, created_at from workflow.definitions`,
    [JSON.stringify(SPEC)],
  );
  progress('seeded workflow definitions');
  // Run n: 60% completed (approved/rejected), 20% active (half waiting for review), 20% cancelled
// (status s spread within each organization);
  // one every 50 s going back from now (100k runs span 58 days).
  const runDefinition = `((${orgOf('n')} - 1) * ${D} + ((n - 1) / ${O}) % ${D} + 1)`;
  await step(
    'runs',
    `insert into workflow.runs (id, organization_id, definition_id, definition_version, state, status, started_by, data, transition_count, created_at, updated_at, finished_at, cancelled_by, cancel_reason)
     select ${sqlUid('run', 'n')}, ${sqlUid('organization', orgOf('n'))}, ${sqlUid('definition', runDefinition)}, 1,
            case when s < 3 then 'approved' when s < 6 then 'rejected' when s = 6 then 'submitted' else 'draft' end,
            case when s < 6 then 'COMPLETED' when s < 8 then 'ACTIVE' else 'CANCELLED' end,
            ${sqlUid('user', memberOf(orgOf('n'), `${round('n')} * 7 + 3`))}, jsonb_build_object('amount', n % 1000),
            case when s < 6 then 2 when s = 6 then 1 else 0 end,
            ${nowSql} - n * interval '50 seconds', ${nowSql} - n * interval '50 seconds' + interval '1 hour',
            case when s < 6 or s >= 8 then ${nowSql} - n * interval '50 seconds' + interval '1 hour' end,
            case when s >= 8 then ${sqlUid('user', orgOf('n'))} end,
            case when s >= 8 then 'Seeded as cancelled' end
     from generate_series(1, ${volume.runs}) n, lateral (select (${round('n')} * 3 + n / 7) % 10 as s) status`,
  );
  await step(
    'run transitions',
    `insert into workflow.run_transitions (id, run_id, seq, transition, from_state, to_state, actor_id, at)
     select gen_random_uuid(), r.id, t.seq, t.transition, t.from_state, case when t.seq = 2 then r.state else t.to_state end, r.started_by, r.created_at + t.seq * interval '20 minutes'
     from workflow.runs r
     cross join (values (1, 'submit', 'draft', 'submitted'), (2, 'approve', 'submitted', 'approved')) t(seq, transition, from_state, to_state)
     where r.status = 'COMPLETED' or (r.state = 'submitted' and t.seq = 1)`,
  );
  await sql.unsafe(`update workflow.run_transitions set transition = 'reject' where seq = 2 and to_state = 'rejected'`);
  await step(
    'tasks',
    `insert into workflow.tasks (id, organization_id, run_id, state, title, assignee_role, status, created_at, completed_at, completed_by)
     select gen_random_uuid(), organization_id, id, 'submitted', 'Review the request', 'ADMIN',
            case when status = 'ACTIVE' then 'OPEN' else 'DONE' end, created_at + interval '20 minutes',
            case when status = 'COMPLETED' then created_at + interval '40 minutes' end,
            case when status = 'COMPLETED' then started_by end
     from workflow.runs where state in ('submitted', 'approved', 'rejected')`,
  );
  // Event n: one every few seconds, scattered over the last 60 days; workflow events name their definition.
  // The analytics rollups (hour and day counters, daily actor sets) follow through their trigger.
  const types = `(array[${EVENT_TYPES.map((t) => `'${t}'`).join(',')}])[(${round('n')} * 7 + n / 13) % ${EVENT_TYPES.length} + 1]`;
  await step(
    'analytics events',
    `insert into analytics.events (organization_id, client_id, type, actor_id, subject_id, properties, occurred_at, received_at)
     select ${sqlUid('organization', orgOf('n'))}, 'seed-' || n, ${types},
            ${sqlUid('user', memberOf(orgOf('n'), `${round('n')} * 13 + n / 101`))},
            case when ${types} like 'workflow.%' then ${sqlUid('definition', `((${orgOf('n')} - 1) * ${D} + ${round('n')} % ${D} + 1)`)}::text end,
            jsonb_build_object('n', n), ${nowSql} - ((n * 7919) % 5184000 + 1) * interval '1 second',
            ${nowSql} - ((n * 7919) % 5184000 + 1) * interval '1 second'
     from generate_series(1::bigint, ${volume.events}) n`,
  );
  await step(
    'files',
    `insert into files.files (id, organization_id, name, content_type, size, sha256, storage_key, current_version, owner_id, workflow_run_id, created_at, updated_at)
     select ${sqlUid('file', 'n')}, ${sqlUid('organization', orgOf('n'))}, 'document-' || n || '.pdf', 'application/pdf', (n * 997) % 1000000,
            encode(sha256(n::text::bytea), 'hex'), 'bench/' || n, 1, ${sqlUid('user', memberOf(orgOf('n'), `${round('n')} * 3`))},
            case when n % 4 = 0 and n <= ${volume.runs} then ${sqlUid('run', 'n')} end,
            ${nowSql} - n * interval '2 minutes', ${nowSql} - n * interval '2 minutes'
     from generate_series(1, ${volume.files}) n`,
  );
  await sql.unsafe(
    `insert into files.file_versions (file_id, version, content_type, size, sha256, storage_key, created_by, created_at)
     select id, 1, content_type, size, sha256, storage_key, owner_id, created_at from files.files`,
  );
  // Fresh statistics and visibility maps (index-only scans), as autovacuum keeps them on a live database.
  await step('vacuum analyze', 'vacuum analyze users.organizations, users.users, users.memberships, workflow.definitions, workflow.runs, workflow.tasks, workflow.run_transitions, analytics.events, analytics.event_counts_hourly, analytics.event_counts_daily, analytics.event_actors_daily, analytics.event_actors_daily_any_type, files.files, files.file_versions');
  return timings;
}

import { pagedDocuments, UUID_KEY, type Database, type SearchDocument, type SearchDocumentRef, type SearchResyncScope, type SearchSource, type SearchSourceRef, type SearchType } from '@organoise/core';
import { and, asc, eq, gt, inArray, type SQL } from 'drizzle-orm';
import { definitions, definitionVersions, runs, runTransitions, tasks } from '../../db/schema.js';

/**
 * The workflow subgraph as a search source (docs/protocols/search.md#sources): definitions, runs
 * and human tasks, following each organization's definitions, runs and tasks streams.
 *
 * minRole is VIEWER for all three: any member of the organization reads each by id (the
 * workflowDefinition, workflowRun and humanTask queries, and the types' fields, ask for membership
 * only). A task is *completed* by its assignee or a holder of its assigneeRole, but it is read by
 * every member, so its assigneeRole is a keyword, not its minRole.
 */

/** Longest body indexed: a run's data can be large, and search needs its words, not all of it. */
export const SEARCH_BODY_MAX_CHARS = 100_000;

const STREAM = /^workflow\.org:([0-9a-f-]{36}):(definitions|runs|tasks)$/;
const SCOPE_TYPES: Record<string, SearchType[]> = {
  // A definition's name is in its runs' titles: a gap in its stream resyncs its runs too.
  definitions: ['WorkflowDefinition', 'WorkflowRun'],
  runs: ['WorkflowRun'],
  tasks: ['HumanTask'],
};

const clip = (text: string) => (text.length > SEARCH_BODY_MAX_CHARS ? text.slice(0, SEARCH_BODY_MAX_CHARS) : text);

/** Every scalar value of a run's data, depth first, as words (keys are the workflow's, not the person's text). */
export function flattenValues(value: unknown, out: string[] = [], depth = 0): string[] {
  if (value === null || value === undefined || depth > 20) return out;
  if (Array.isArray(value)) for (const item of value) flattenValues(item, out, depth + 1);
  else if (typeof value === 'object') for (const item of Object.values(value)) flattenValues(item, out, depth + 1);
  else out.push(String(value));
  return out;
}

// Definitions, with their latest version's graph.
const definitionColumns = { definition: definitions, spec: definitionVersions.spec };
type DefinitionRow = { definition: typeof definitions.$inferSelect; spec: (typeof definitionVersions.$inferSelect)['spec'] };
const selectDefinitions = (db: Database, where: SQL | undefined) =>
  db
    .select(definitionColumns)
    .from(definitions)
    .innerJoin(definitionVersions, and(eq(definitionVersions.definitionId, definitions.id), eq(definitionVersions.version, definitions.latestVersion)))
    .where(where)
    .orderBy(asc(definitions.id));

function definitionDocument({ definition, spec }: DefinitionRow): SearchDocument {
  const words = [definition.description ?? '', definition.key, ...spec.states.flatMap((s) => [s.name, s.task?.title ?? ''])].filter((w) => w.length > 0);
  return {
    type: 'WorkflowDefinition',
    id: definition.id,
    organizationId: definition.organizationId,
    minRole: 'VIEWER',
    title: definition.name,
    body: clip(words.join('\n')),
    keywords: { key: definition.key, version: String(definition.latestVersion) },
    updatedAt: definition.updatedAt.toISOString(),
  };
}

// Runs, with their definition's name and key.
const runColumns = { run: runs, name: definitions.name, key: definitions.key };
type RunRow = { run: typeof runs.$inferSelect; name: string; key: string };
const selectRuns = (db: Database, where: SQL | undefined) =>
  db.select(runColumns).from(runs).innerJoin(definitions, eq(definitions.id, runs.definitionId)).where(where).orderBy(asc(runs.id));

/** A run's short label: the start of its id, as a person would quote it. */
export const runLabel = (runId: string) => `#${runId.slice(0, 8)}`;

function runDocument({ run, name, key }: RunRow): SearchDocument {
  return {
    type: 'WorkflowRun',
    id: run.id,
    organizationId: run.organizationId,
    minRole: 'VIEWER',
    title: `${name} ${runLabel(run.id)}`,
    body: clip(flattenValues(run.data).join('\n')),
    keywords: { state: run.state, status: run.status, definitionKey: key },
    updatedAt: run.updatedAt.toISOString(),
  };
}

// Tasks, with the comment of the transition that completed them (it left the task's state at its completion).
const taskColumns = { task: tasks, comment: runTransitions.comment };
type TaskRow = { task: typeof tasks.$inferSelect; comment: string | null };
const selectTasks = (db: Database, where: SQL | undefined) =>
  db
    .select(taskColumns)
    .from(tasks)
    .leftJoin(runTransitions, and(eq(runTransitions.runId, tasks.runId), eq(runTransitions.fromState, tasks.state), eq(runTransitions.at, tasks.completedAt)))
    .where(where)
    .orderBy(asc(tasks.id));

function taskDocument({ task, comment }: TaskRow): SearchDocument {
  return {
    type: 'HumanTask',
    id: task.id,
    organizationId: task.organizationId,
    minRole: 'VIEWER',
    title: task.title,
    body: clip(comment ?? ''),
    keywords: { status: task.status, ...(task.assigneeRole ? { assigneeRole: task.assigneeRole } : {}) },
    updatedAt: (task.completedAt ?? task.createdAt).toISOString(),
  };
}

const idsOf = (refs: SearchDocumentRef[], type: SearchType) => [...new Set(refs.filter((r) => r.type === type).map((r) => r.id))];
/** A ref's document is its own organization's only. */
const inOrg = (refs: SearchDocumentRef[]) => (doc: SearchDocument) => refs.some((r) => r.type === doc.type && r.id === doc.id && r.organizationId === doc.organizationId);

const idOf = (payload: Record<string, unknown>, field: string): string | null => (typeof payload[field] === 'string' ? (payload[field] as string) : null);

export const workflowSearchSource: SearchSource = {
  streams: [
    { prefix: 'workflow.org:', suffix: ':definitions' },
    { prefix: 'workflow.org:', suffix: ':runs' },
    { prefix: 'workflow.org:', suffix: ':tasks' },
  ],
  refsOf: (event) => {
    const organizationId = event.organizationId;
    if (!organizationId) return [];
    const ref = (type: SearchType, field: string, dependents = false): SearchSourceRef[] => {
      const id = idOf(event.payload, field);
      return id ? [{ type, id, organizationId, ...(dependents ? { dependents } : {}) }] : [];
    };
    // A rename re-titles the definition's runs; a created definition has none yet. (An event
    // without `renamed` re-reads them, to be safe.)
    if (event.type === 'workflow.definition.updated') return ref('WorkflowDefinition', 'definitionId', event.payload.renamed !== false);
    if (event.type.startsWith('workflow.definition.')) return ref('WorkflowDefinition', 'definitionId');
    if (event.type.startsWith('workflow.run.')) return ref('WorkflowRun', 'runId');
    if (event.type.startsWith('workflow.task.')) return ref('HumanTask', 'taskId');
    return [];
  },
  documents: async (db, refs) => {
    const definitionIds = idsOf(refs, 'WorkflowDefinition');
    const runIds = idsOf(refs, 'WorkflowRun');
    const taskIds = idsOf(refs, 'HumanTask');
    const docs: SearchDocument[] = [];
    if (definitionIds.length > 0) {
      const found = (await selectDefinitions(db, inArray(definitions.id, definitionIds))).map(definitionDocument).filter(inOrg(refs));
      docs.push(...found);
      // A definition's runs carry its name in their titles: a renamed definition renames them.
      const renamed = found.filter((d) => refs.some((r) => r.dependents && r.type === 'WorkflowDefinition' && r.id === d.id)).map((d) => d.id);
      if (renamed.length > 0) docs.push(...(await selectRuns(db, inArray(runs.definitionId, renamed))).map(runDocument));
    }
    if (runIds.length > 0) docs.push(...(await selectRuns(db, inArray(runs.id, runIds))).map(runDocument).filter(inOrg(refs)));
    if (taskIds.length > 0) docs.push(...(await selectTasks(db, inArray(tasks.id, taskIds))).map(taskDocument).filter(inOrg(refs)));
    return docs;
  },
  scopeOf: (stream) => {
    const match = STREAM.exec(stream);
    return match ? { organizationId: match[1]!, types: SCOPE_TYPES[match[2]!]! } : null;
  },
  scopeDocuments: async (db, scope: SearchResyncScope) => {
    const docs: SearchDocument[] = [];
    if (scope.types.includes('WorkflowDefinition')) docs.push(...(await selectDefinitions(db, eq(definitions.organizationId, scope.organizationId))).map(definitionDocument));
    if (scope.types.includes('WorkflowRun')) docs.push(...(await selectRuns(db, eq(runs.organizationId, scope.organizationId))).map(runDocument));
    if (scope.types.includes('HumanTask')) docs.push(...(await selectTasks(db, eq(tasks.organizationId, scope.organizationId))).map(taskDocument));
    return docs;
  },
  allDocuments: (db, after, limit) =>
    pagedDocuments(
      db,
      [
        {
          keyPattern: UUID_KEY,
          page: async (db, afterKey, limit) =>
            (await selectDefinitions(db, afterKey === null ? undefined : gt(definitions.id, afterKey)).limit(limit)).map((row) => ({ key: row.definition.id, document: definitionDocument(row) })),
        },
        {
          keyPattern: UUID_KEY,
          page: async (db, afterKey, limit) =>
            (await selectRuns(db, afterKey === null ? undefined : gt(runs.id, afterKey)).limit(limit)).map((row) => ({ key: row.run.id, document: runDocument(row) })),
        },
        {
          keyPattern: UUID_KEY,
          page: async (db, afterKey, limit) =>
            (await selectTasks(db, afterKey === null ? undefined : gt(tasks.id, afterKey)).limit(limit)).map((row) => ({ key: row.task.id, document: taskDocument(row) })),
        },
      ],
      after,
      limit,
    ),
};

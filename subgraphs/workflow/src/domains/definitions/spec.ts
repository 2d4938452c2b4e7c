import { nonBlank, ROLES, z, type Role } from '@organoise/core';

/** The graph of one definition version, as stored (normalised: every optional field present). */
export interface WorkflowTaskSpec {
  title: string;
  assigneeRole: Role | null;
  assignToStarter: boolean;
}
export interface WorkflowStateSpec {
  name: string;
  final: boolean;
  task: WorkflowTaskSpec | null;
}
export interface WorkflowTransitionSpec {
  name: string;
  from: string;
  to: string;
  allowedRoles: Role[];
}
export interface WorkflowSpec {
  states: WorkflowStateSpec[];
  initialState: string;
  transitions: WorkflowTransitionSpec[];
}

export const LIMITS = {
  states: 50,
  transitions: 200,
  nameLength: 64,
  taskTitleLength: 200,
} as const;

/** State and transition names are identifiers clients switch on, so they stay machine-friendly. */
export const graphName = () =>
  z
    .string()
    .trim()
    .max(LIMITS.nameLength, { message: `must be at most ${LIMITS.nameLength} characters` })
    .regex(/^[A-Za-z][A-Za-z0-9_]*$/, { message: 'must start with a letter and contain only letters, digits and underscores' });

const role = z.enum(ROLES);

const TaskSpecInput = z
  .object({
    title: nonBlank(LIMITS.taskTitleLength),
    assigneeRole: role.nullish().transform((v) => v ?? null),
    assignToStarter: z
      .boolean()
      .nullish()
      .transform((v) => v ?? false),
  })
  .refine((t) => t.assigneeRole !== null || t.assignToStarter, {
    message: 'a task needs an assigneeRole, assignToStarter, or both',
    path: ['assigneeRole'],
  });

const StateInput = z.object({
  name: graphName(),
  final: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  task: TaskSpecInput.nullish().transform((v) => v ?? null),
});

const TransitionInput = z.object({
  name: graphName(),
  from: graphName(),
  to: graphName(),
  allowedRoles: z
    .array(role)
    .min(1, { message: 'must name at least one role' })
    .max(ROLES.length * 2, { message: 'lists too many roles' })
    // Order and repeats carry no meaning; storing one canonical form keeps version comparison exact.
    .transform((roles) => ROLES.filter((r) => roles.includes(r))),
});

export const graphFields = {
  states: z
    .array(StateInput)
    .min(1, { message: 'must have at least one state' })
    .max(LIMITS.states, { message: `must have at most ${LIMITS.states} states` }),
  initialState: graphName(),
  transitions: z.array(TransitionInput).max(LIMITS.transitions, { message: `must have at most ${LIMITS.transitions} transitions` }),
};

type Issue = { path: (string | number)[]; message: string };

/**
 * The rules that make a graph runnable. Each broken rule is reported at the path of the field to
 * fix, so an editor can point at it.
 */
export function graphIssues(spec: WorkflowSpec): Issue[] {
  const issues: Issue[] = [];
  const states = new Map<string, WorkflowStateSpec>();
  spec.states.forEach((state, i) => {
    if (states.has(state.name)) issues.push({ path: ['states', i, 'name'], message: `state "${state.name}" is defined twice` });
    else states.set(state.name, state);
    if (state.final && state.task) {
      issues.push({ path: ['states', i, 'task'], message: 'a final state cannot have a task: nothing could complete it' });
    }
  });

  const initial = states.get(spec.initialState);
  if (!initial) issues.push({ path: ['initialState'], message: `no state is named "${spec.initialState}"` });
  else if (initial.final) issues.push({ path: ['initialState'], message: 'the initial state cannot be final' });
  if (!spec.states.some((s) => s.final)) issues.push({ path: ['states'], message: 'at least one state must be final' });

  const namesByFrom = new Set<string>();
  const withExit = new Set<string>();
  spec.transitions.forEach((t, i) => {
    const from = states.get(t.from);
    if (!from) issues.push({ path: ['transitions', i, 'from'], message: `no state is named "${t.from}"` });
    else if (from.final) issues.push({ path: ['transitions', i, 'from'], message: `"${t.from}" is final: no transition can leave it` });
    if (!states.has(t.to)) issues.push({ path: ['transitions', i, 'to'], message: `no state is named "${t.to}"` });
    const id = `${t.from}\u0000${t.name}`;
    if (namesByFrom.has(id)) issues.push({ path: ['transitions', i, 'name'], message: `"${t.from}" already has a transition named "${t.name}"` });
    namesByFrom.add(id);
    withExit.add(t.from);
  });
  spec.states.forEach((state, i) => {
    if (!state.final && !withExit.has(state.name)) {
      issues.push({ path: ['states', i], message: `"${state.name}" is not final and has no transition out: runs would be stuck there` });
    }
  });
  return issues;
}

export function addGraphIssues(spec: WorkflowSpec, ctx: z.RefinementCtx) {
  for (const issue of graphIssues(spec)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
}

export const sameGraph = (a: WorkflowSpec, b: WorkflowSpec) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** Fixed key order, so a spec read back from jsonb (which reorders keys) compares equal to a fresh one. */
function canonical(spec: WorkflowSpec): WorkflowSpec {
  return {
    states: spec.states.map((s) => ({
      name: s.name,
      final: s.final,
      task: s.task ? { title: s.task.title, assigneeRole: s.task.assigneeRole, assignToStarter: s.task.assignToStarter } : null,
    })),
    initialState: spec.initialState,
    transitions: spec.transitions.map((t) => ({ name: t.name, from: t.from, to: t.to, allowedRoles: [...t.allowedRoles] })),
  };
}

import { Kind, TypeInfo, visit, visitWithTypeInfo, type ASTNode, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type ValueNode } from 'graphql';
import { isRoleScoped } from '../subscriptions/sharing.js';

/**
 * Fields whose value changes only through a write that appends a domain event carrying the
 * organization it belongs to (docs/protocols/subscriptions.md, section 1), or one without an
 * organization (which flushes the whole cache). A query whose every selected field is listed
 * here may be answered from the response cache (docs/decisions/0016-response-cache.md): its
 * answer stays right until an event of one of the caller's organizations (or the caller) arrives.
 *
 * Each entry names the writes that change it and the events they emit; the write side is audited
 * in docs/protocols/response-cache-events.md (written with this list, issue 16). Adding a field: find every write to it (mutations,
 * background jobs, sweeps, sign-up and provisioning flows) and check each appends an event in its
 * transaction with the right organizationId. A field whose value moves with time alone, or per
 * call (signed URLs, session and security fields, `now` defaults), is never listed; a field with a
 * time default is listed only with an argument rule (ARGUMENT_RULES).
 */
export const CACHEABLE_FIELDS: ReadonlySet<string> = new Set([
  // user subgraph. viewer and organization(id) read the caller's and the organization's rows:
  // memberships change by createOrganization, acceptInvitation (membership.added), changeMemberRole
  // (membership.role_changed), removeMember (membership.removed): stream user.org:<id>:members,
  // payload.userId names the person (their own answers drop too).
  'Query.viewer',
  'Query.organization',
  // A person's name: written only when the user is created (signUp, completeSignUp, an OIDC first
  // sign-in); no mutation renames a person. Whether another user is visible (startedBy, members)
  // follows memberships: membership.* of an organization the caller is in. A rename, if one is ever
  // added, must emit one event per organization and one without any (a flush): see the audit.
  'User.id',
  'User.name',
  // name: updateOrganization (organization.updated on user.org:<id>:organization); id and slug never change.
  'Organization.id',
  'Organization.name',
  'Organization.slug',
  // The caller's role: membership.role_changed / membership.removed of that organization.
  'Organization.viewerRole',
  // Members list and count: membership.added / role_changed / removed.
  'Organization.members',
  'MembershipConnection.totalCount',
  'MembershipConnection.nodes',
  'MembershipConnection.pageInfo',
  'Membership.role',
  'Membership.user',
  // workflow subgraph. Definitions: createWorkflowDefinition / updateWorkflowDefinition
  // (workflow.definition.created / updated, stream workflow.org:<id>:definitions).
  'Organization.workflows',
  'WorkflowDefinitionConnection.totalCount',
  'WorkflowDefinitionConnection.nodes',
  'WorkflowDefinitionConnection.pageInfo',
  'WorkflowDefinition.id',
  'WorkflowDefinition.name',
  // Counted by the analytics subgraph from ingested events whose subject is the definition: only
  // ingestEvents writes them (analytics.ingested on analytics.org:<id>). Only with both bounds
  // (ARGUMENT_RULES): conservative, an open `to` reads up to whatever is ingested next.
  'WorkflowDefinition.stats',
  'WorkflowDefinitionStats.runsStarted',
  'WorkflowDefinitionStats.runsCompleted',
  'WorkflowDefinitionStats.transitions',
  // Runs: startWorkflowRun, transitionWorkflowRun, completeTask, cancelWorkflowRun (workflow.run.started,
  // transitioned, cancelled: workflow.org:<id>:runs and workflow.run:<runId>, with the organization).
  'Organization.workflowRuns',
  'WorkflowDefinition.runs',
  'WorkflowRunConnection.totalCount',
  'WorkflowRunConnection.nodes',
  'WorkflowRunConnection.pageInfo',
  'WorkflowRun.id',
  'WorkflowRun.state',
  'WorkflowRun.status',
  'WorkflowRun.definition',
  'WorkflowRun.startedBy',
  // file subgraph: uploads, versions, renames, attachments, deletes and restores (file.uploaded,
  // version.added, renamed, attached, deleted, restored on file.org:<id> and file:<fileId>, with the
  // organization). Processing changes neither name nor size; the retention purge removes only rows
  // already deleted (in no list). File.processing, downloadUrl and thumbnails are NOT listed.
  'WorkflowRun.files',
  'Organization.files',
  'FileConnection.totalCount',
  'FileConnection.nodes',
  'FileConnection.pageInfo',
  'File.id',
  'File.name',
  'File.size',
  // analytics subgraph: ingestEvents (analytics.ingested on analytics.org:<id>) is the only write to
  // the events and their rollups; raw events are never trimmed. Only with both bounds given
  // (ARGUMENT_RULES): without `to` the window ends at the time of the request.
  'Organization.activity',
  'OrganizationActivity.eventCount',
  'OrganizationActivity.activeUsers',
  'OrganizationActivity.totals',
  'OrganizationActivity.series',
  'ActivityTypeCount.type',
  'ActivityTypeCount.count',
  'ActivityPoint.bucketStart',
  'ActivityPoint.type',
  'ActivityPoint.count',
  // Paging of the lists above: derived from the same rows.
  'PageInfo.hasNextPage',
  'PageInfo.hasPreviousPage',
  'PageInfo.startCursor',
  'PageInfo.endCursor',
]);

/**
 * Arguments that must be given, and not null, for a listed field to be cacheable: their default
 * depends on the time of the request (`to` defaults to now, `from` to 30 days before it).
 */
export const ARGUMENT_RULES: ReadonlyMap<string, readonly string[]> = new Map([
  ['Organization.activity', ['from', 'to']],
  ['WorkflowDefinition.stats', ['from', 'to']],
]);

/** What a document allows, decided once per document and schema. */
export interface Cacheability {
  cacheable: boolean;
  /** Variables that must be non-null in a request for it to be cacheable (arguments of ARGUMENT_RULES given as variables). */
  requiredVariables: readonly string[];
  /** Whether its answer depends on the caller's memberships only (subscription sharing's rule): then it is shared by everyone with the same ones. */
  roleScoped: boolean;
}

const NOT_CACHEABLE: Cacheability = { cacheable: false, requiredVariables: [], roleScoped: false };
const memo = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, Cacheability>>();

/**
 * Whether an operation may be answered from the cache: a query, every field it selects (through
 * the fragments it spreads, transitively) in CACHEABLE_FIELDS with its ARGUMENT_RULES met, and no
 * directive other than @include and @skip (@defer and @stream answer in parts). Decided once per
 * operation node and schema (documents are parsed once per text and kept).
 */
export function cacheabilityOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Cacheability {
  let bySchema = memo.get(schema);
  if (!bySchema) memo.set(schema, (bySchema = new WeakMap()));
  let known = bySchema.get(operation);
  if (!known) bySchema.set(operation, (known = analyse(schema, document, operation)));
  return known;
}

function analyse(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Cacheability {
  if (operation.operation !== 'query') return NOT_CACHEABLE;
  // The operation and the fragments it uses, as a document of their own.
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const used = new Map<string, FragmentDefinitionNode>();
  const collect = (node: ASTNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = fragments.get(name);
        if (!fragment || used.has(name)) return;
        used.set(name, fragment);
        collect(fragment);
      },
    });
  collect(operation);
  const own: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...used.values()] };
  const typeInfo = new TypeInfo(schema);
  let cacheable = true;
  const requiredVariables = new Set<string>();
  visit(
    own,
    visitWithTypeInfo(typeInfo, {
      Directive(node) {
        if (node.name.value !== 'include' && node.name.value !== 'skip') cacheable = false;
      },
      Field(node) {
        if (node.name.value === '__typename') return;
        const parent = typeInfo.getParentType();
        const coordinate = parent ? `${parent.name}.${node.name.value}` : '';
        if (!CACHEABLE_FIELDS.has(coordinate)) {
          cacheable = false;
          return;
        }
        for (const name of ARGUMENT_RULES.get(coordinate) ?? []) {
          const value: ValueNode | undefined = node.arguments?.find((a) => a.name.value === name)?.value;
          if (!value || value.kind === Kind.NULL) cacheable = false;
          else if (value.kind === Kind.VARIABLE) requiredVariables.add(value.name.value);
        }
      },
    }),
  );
  return cacheable ? { cacheable, requiredVariables: [...requiredVariables], roleScoped: isRoleScoped(schema, own) } : NOT_CACHEABLE;
}

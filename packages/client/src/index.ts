export * from './apollo';
// The operations as the generated module declares them (plain constants a bundler keeps only when
// used), not ./documents, whose graphql() calls pull in the lookup table of every operation:
// ./documents is what codegen reads (npm run generate), the same objects by the same names.
export * from './gql/graphql';
export * from './errors';
export * from './files';
export * from './live';
export * from './notices';
export * from './session';
export * from './tasks';
export * from './transitions';
export * from './uploads';
export type { AccountQuery, AuditEventType, InvitationStatus, OrganizationRunsQuery, WorkflowRunStatus, FileContentQuery, FilesQuery, HumanTaskQuery, Role, RunFilesQuery, MyOrganizationsQuery, FirstScreenQuery, DashboardQuery, MyTasksChangedSubscription, MyTasksQuery, RunDetailFieldsFragment, TaskFieldsFragment, WorkflowRunQuery, WorkflowRunUpdatedSubscription, WorkflowRunsChangedSubscription } from './gql/graphql';

export * from './apollo';
export * from './documents';
export * from './errors';
export * from './live';
export * from './notices';
export * from './session';
export * from './tasks';
export * from './transitions';
export type { HumanTaskQuery, MyOrganizationsQuery, MyTasksChangedSubscription, MyTasksQuery, RunDetailFieldsFragment, TaskFieldsFragment, WorkflowRunQuery, WorkflowRunUpdatedSubscription, WorkflowRunsChangedSubscription } from './gql/graphql';

/**
 * The operations the apps send (web and mobile alike), by domain; typed by graphql-codegen into
 * ../gql (npm run generate), which also lists each one's text by hash for the safelist.
 */
export * from './account';
export * from './admin';
export * from './analytics';
export * from './auth';
export * from './files';
export * from './organizations';
export * from './runs';
export * from './search';
export * from './tasks';
export * from './workflows';

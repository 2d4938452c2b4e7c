import { lazy, type ComponentType } from 'react';
import { REFRESH_KEY } from '@organoise/client';
import { CALLBACK_PATTERN, pendingMode } from '../modules/auth/oidc';
import { INVITATION_PATTERN } from '../modules/invitations/pending';
import { firstScreenSent } from './boot';
import { match } from './router';

// Each screen is its own chunk: signing in does not download the workflow editor.
export const screens = {
  signIn: () => import('../modules/auth/SignInPage'),
  signUp: () => import('../modules/auth/SignUpPage'),
  dashboard: () => import('../modules/dashboard/DashboardPage'),
  workflows: () => import('../modules/workflows/WorkflowsPage'),
  definition: () => import('../modules/workflows/DefinitionPage'),
  run: () => import('../modules/workflows/RunPage'),
  files: () => import('../modules/files/FilesPage'),
  tasks: () => import('../modules/tasks/TasksPage'),
  runs: () => import('../modules/workflows/RunsPage'),
  admin: () => import('../modules/admin/AdminPage'),
  account: () => import('../modules/account/AccountPage'),
  linkCallback: () => import('../modules/account/LinkCallbackPage'),
  oidcCallback: () => import('../modules/auth/OidcCallbackPage'),
  invitation: () => import('../modules/invitations/AcceptInvitationPage'),
  search: () => import('../modules/search/SearchPage'),
};
export const SignInPage = lazy(screens.signIn);
export const SignUpPage = lazy(screens.signUp);
export const DashboardPage = lazy(screens.dashboard);
export const WorkflowsPage = lazy(screens.workflows);
export const DefinitionPage = lazy(screens.definition);
export const RunPage = lazy(screens.run);
export const FilesPage = lazy(screens.files);
export const TasksPage = lazy(screens.tasks);
export const RunsPage = lazy(screens.runs);
export const AdminPage = lazy(screens.admin);
export const AccountPage = lazy(screens.account);
export const LinkCallbackPage = lazy(screens.linkCallback);
export const OidcCallbackPage = lazy(screens.oidcCallback);
export const AcceptInvitationPage = lazy(screens.invitation);
export const SearchPage = lazy(screens.search);

/** The screen a path opens for a signed-in person (route() renders it). */
export function screenOf(path: string): keyof typeof screens | null {
  if (path === '/' || path === '/sign-in' || path === '/sign-up') return 'dashboard';
  if (path === '/workflows') return 'workflows';
  if (path === '/files') return 'files';
  if (path === '/tasks') return 'tasks';
  if (path === '/runs') return 'runs';
  if (path === '/account') return 'account';
  if (path === '/search') return 'search';
  if (path === '/admin' || match('/admin/:tab', path)) return 'admin';
  if (match(INVITATION_PATTERN, path)) return 'invitation';
  // Back from a provider: a link of this person's account (a sign-in callback finished signed out).
  if (match(CALLBACK_PATTERN, path)) return pendingMode() === 'link' ? 'linkCallback' : 'dashboard';
  if (match('/workflows/:id', path)) return 'definition';
  if (match('/runs/:id', path)) return 'run';
  return null;
}

// The first screen's chunk is fetched now, beside the session's refresh and the organizations'
// read, instead of after them: on a slow network that is a round trip and a download off the
// first screen (npm run bench:web). A tab with a refresh token opens signed in.
const opening = window.location.pathname;
export const firstScreen = sessionStorage.getItem(REFRESH_KEY) ? screenOf(opening) : signedOutScreenOf(opening);
/**
 * The screens whose module has arrived, rendered as they are instead of through their lazy
 * wrapper: a lazy component suspends on its first render even when its module is loaded, and
 * React then holds the content back behind the fallback for up to 300 ms (its throttle of
 * Suspense reveals), which the first screen would pay on every load (npm run bench:web).
 */
const loaded: Partial<Record<keyof typeof screens, ComponentType<never>>> = {};
/** Fetches a screen's module and records it as arrived (screen() then renders it directly). */
export function preloadScreen(name: keyof typeof screens): Promise<void> {
  return screens[name]().then((module) => void (loaded[name] = module.default as ComponentType<never>));
}
// The dashboard's path opened with the boot script's first screen waits: App.tsx's first paint draws
// it from that answer, and its module (with Apollo Client) loads after that paint.
if (firstScreen && !(firstScreen === 'dashboard' && opening === '/' && firstScreenSent())) void preloadScreen(firstScreen);
const chosen = new Map<keyof typeof screens, ComponentType<never>>();
/**
 * The screen's component: its module if it has arrived when first shown, else its lazy wrapper
 * (under a Suspense boundary). Chosen once: a component whose type changed between renders would
 * be mounted afresh, losing what was typed into it.
 */
export function screen<P>(name: keyof typeof screens, wrapper: ComponentType<P>): ComponentType<P> {
  if (!chosen.has(name)) chosen.set(name, loaded[name] ?? (wrapper as ComponentType<never>));
  return chosen.get(name) as ComponentType<P>;
}

/** The screen a path opens for a person not signed in. */
export function signedOutScreenOf(path: string): 'signIn' | 'signUp' | 'oidcCallback' {
  if (path === '/sign-up') return 'signUp';
  if (match(CALLBACK_PATTERN, path) && pendingMode() === 'sign-in') return 'oidcCallback';
  return 'signIn';
}


import { createContext, lazy, Suspense, useContext } from 'react';
import type { Role } from '@organoise/client';

// Apollo-free (the first paint imports it: App.tsx's FirstPaint); the provider that reads the organizations is in ./context.
// Not on the first screen's path: the switcher (MUI's TextField, Select, Menu) loads on its own.
const LazySwitcher = lazy(() => import('./OrganizationSwitcher'));

export interface CurrentOrganization {
  id: string;
  name: string;
  slug: string;
  viewerRole: Role;
}

export interface OrganizationContextValue {
  current: CurrentOrganization;
  all: CurrentOrganization[];
  viewer: { id: string; name: string };
  select(id: string): void;
}

export const OrganizationContext = createContext<OrganizationContextValue | null>(null);
// Remembered per browser, so a reload (or the next visit) opens the same organization.
export const SELECTED_KEY = 'organoise.organizationId';
/** Opens this organization next (an invitation just accepted). */
export const rememberOrganization = (id: string) => localStorage.setItem(SELECTED_KEY, id);

export function useOrganization(): OrganizationContextValue {
  const value = useContext(OrganizationContext);
  if (!value) throw new Error('useOrganization outside OrganizationProvider');
  return value;
}

/** Roles that may manage definitions (createWorkflowDefinition: owners and admins). */
export const canManage = (role: Role) => role === 'OWNER' || role === 'ADMIN';
/** Roles that may start runs and upload files (members and above). */
export const canContribute = (role: Role) => role !== 'VIEWER';

/** The organization switcher of the bar: its name alone until the select has loaded. */
export function OrganizationSwitcher() {
  const { current } = useOrganization();
  return (
    <Suspense fallback={<span>{current.name}</span>}>
      <LazySwitcher />
    </Suspense>
  );
}

import { useMutation, useQuery } from '@apollo/client/react';
import { Alert, Button, MenuItem, Stack, TextField, Typography } from '@mui/material';
import { createContext, useContext, useState, type FormEvent, type ReactNode } from 'react';
import { CreateOrganizationDocument, describeError, MyOrganizationsDocument, type Role } from '@organoise/client';
import { ErrorState, Loading } from '../../ui/states';
import { AuthCard } from '../../ui/AuthCard';

export interface CurrentOrganization {
  id: string;
  name: string;
  slug: string;
  viewerRole: Role;
}

interface OrganizationContextValue {
  current: CurrentOrganization;
  all: CurrentOrganization[];
  viewer: { id: string; name: string };
  select(id: string): void;
}

const OrganizationContext = createContext<OrganizationContextValue | null>(null);
// Remembered per browser, so a reload (or the next visit) opens the same organization.
const SELECTED_KEY = 'organoise.organizationId';
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

export function OrganizationProvider({ children }: { children: ReactNode }) {
  const { data, loading, error } = useQuery(MyOrganizationsDocument);
  const [selected, setSelected] = useState(() => localStorage.getItem(SELECTED_KEY));
  if (loading && !data) return <Loading label="Loading your organizations" />;
  if (error && !data) return <ErrorState error={error} />;
  const all = data?.organizations.nodes ?? [];
  const viewer = data?.viewer;
  if (!viewer) return <ErrorState error={error} />;
  if (all.length === 0) return <FirstOrganization />;
  const current = all.find((o) => o.id === selected) ?? all[0]!;
  const select = (id: string) => {
    rememberOrganization(id);
    setSelected(id);
  };
  return <OrganizationContext.Provider value={{ current, all, viewer, select }}>{children}</OrganizationContext.Provider>;
}

/** A new account belongs to no organization yet: it creates one (and is its owner) or waits for an invitation. */
function FirstOrganization() {
  const [name, setName] = useState('');
  const [create, { loading, error }] = useMutation(CreateOrganizationDocument, { refetchQueries: [MyOrganizationsDocument] });
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void create({ variables: { input: { name, slug } } }).catch(() => {});
  };
  return (
    <AuthCard title="Create your organization">
      <Stack component="form" spacing={2} onSubmit={submit}>
        <Typography>You are not a member of any organization yet. Create one, or ask an administrator for an invitation.</Typography>
        {error ? <Alert severity="error">{describeError(error).message}</Alert> : null}
        <TextField label="Organization name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus helperText={slug ? `Address: ${slug}` : ' '} />
        <Button type="submit" variant="contained" disabled={loading || slug.length < 3}>
          Create organization
        </Button>
      </Stack>
    </AuthCard>
  );
}

export function OrganizationSwitcher() {
  const { current, all, select } = useOrganization();
  return (
    <TextField
      select
      size="small"
      label="Organization"
      value={current.id}
      onChange={(e) => select(e.target.value)}
      sx={{ minWidth: 180, '& .MuiInputBase-root': { bgcolor: 'background.paper' } }}
      slotProps={{ select: { inputProps: { 'data-testid': 'organization-switcher' } } }}
    >
      {all.map((o) => (
        <MenuItem key={o.id} value={o.id}>
          {o.name}
        </MenuItem>
      ))}
    </TextField>
  );
}

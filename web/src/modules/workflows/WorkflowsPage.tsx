import { useMutation, useQuery } from '@apollo/client/react';
import { Alert, Box, Button, Card, CardActionArea, CardContent, Checkbox, Dialog, DialogActions, DialogContent, DialogTitle, FormControlLabel, FormGroup, FormLabel, Stack, TextField, Tooltip, Typography } from '@mui/material';
import { useState, type FormEvent } from 'react';
import { navigate } from '../../app/router';
import { CreateWorkflowDefinitionDocument, describeError, WorkflowDefinitionsDocument, type Role } from '@organoise/client';
import { Empty, ErrorState, Loading } from '../../ui/states';
import { canManage, useOrganization } from '../organizations/context';

export default function WorkflowsPage() {
  const { current } = useOrganization();
  const { data, loading, error } = useQuery(WorkflowDefinitionsDocument, { variables: { organizationId: current.id } });
  const [creating, setCreating] = useState(false);
  const mayCreate = canManage(current.viewerRole);
  const workflows = data?.organization?.workflows.nodes ?? [];

  return (
    <Stack spacing={2}>
      <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between' }}>
        <Typography variant="h4" component="h1">
          Workflows
        </Typography>
        <Tooltip title={mayCreate ? '' : 'Only owners and admins can create workflows'}>
          <span>
            <Button variant="contained" onClick={() => setCreating(true)} disabled={!mayCreate}>
              New workflow
            </Button>
          </span>
        </Tooltip>
      </Stack>
      {loading && !data ? <Loading label="Loading workflows" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data && workflows.length === 0 ? <Empty title="No workflows yet">{mayCreate ? <Typography>Create the first one with “New workflow”.</Typography> : null}</Empty> : null}
      <Box component="ul" sx={{ listStyle: 'none', p: 0, m: 0, display: 'grid', gap: 2, gridTemplateColumns: 'repeat(auto-fill, minmax(260px, 1fr))' }}>
        {workflows.map((workflow) => (
          <li key={workflow.id}>
            <Card variant="outlined">
              <CardActionArea href={`/workflows/${workflow.id}`} onClick={(e) => (e.preventDefault(), navigate(`/workflows/${workflow.id}`))}>
                <CardContent>
                  <Typography variant="h6" component="h2">
                    {workflow.name}
                  </Typography>
                  <Typography variant="body2" color="text.secondary">
                    {workflow.description ?? workflow.key} · version {workflow.version}
                  </Typography>
                  <Typography variant="body2">
                    {workflow.stats.runsStarted} started · {workflow.stats.runsCompleted} completed
                  </Typography>
                </CardContent>
              </CardActionArea>
            </Card>
          </li>
        ))}
      </Box>
      {creating ? <CreateWorkflowDialog organizationId={current.id} onClose={() => setCreating(false)} /> : null}
    </Stack>
  );
}

const ROLES: Role[] = ['OWNER', 'ADMIN', 'MEMBER'];
const slugify = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
const stateName = (text: string) => text.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');

/**
 * A simple linear workflow: states in order, the last one final, and one transition from each
 * state to the next that the chosen roles may fire. (Branching definitions: a later editor.)
 */
function CreateWorkflowDialog({ organizationId, onClose }: { organizationId: string; onClose(): void }) {
  const [name, setName] = useState('');
  const [states, setStates] = useState('draft, review, done');
  const [roles, setRoles] = useState<Role[]>(['OWNER', 'ADMIN', 'MEMBER']);
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [create, { loading, error }] = useMutation(CreateWorkflowDefinitionDocument, { refetchQueries: [WorkflowDefinitionsDocument] });
  const names = states.split(',').map(stateName).filter(Boolean);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const transitions = names.slice(1).map((to, i) => ({ name: `to_${to}`, from: names[i]!, to, allowedRoles: roles }));
    try {
      const result = await create({
        variables: {
          input: {
            organizationId,
            key: slugify(name),
            name: name.trim(),
            initialState: names[0] ?? '',
            states: names.map((n, i) => ({ name: n, final: i === names.length - 1 })),
            transitions,
            idempotencyKey,
          },
        },
      });
      const id = result.data?.createWorkflowDefinition.id;
      onClose();
      if (id) navigate(`/workflows/${id}`);
    } catch {
      // shown from `error`
    }
  };
  const described = error ? describeError(error) : null;
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm">
      <form onSubmit={submit} noValidate>
        <DialogTitle>New workflow</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {described ? <Alert severity="error">{described.message}{described.issues?.map((i) => <div key={i.path}>{i.path}: {i.message}</div>)}</Alert> : null}
            <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} required autoFocus helperText={name ? `Key: ${slugify(name)}` : ' '} />
            <TextField label="States, in order" value={states} onChange={(e) => setStates(e.target.value)} required helperText={`The first is where runs start, the last ends them: ${names.join(' → ')}`} />
            <FormGroup>
              <FormLabel component="legend">Who may move a run to the next state</FormLabel>
              <Stack direction="row">
                {ROLES.map((role) => (
                  <FormControlLabel
                    key={role}
                    label={role.toLowerCase()}
                    control={<Checkbox checked={roles.includes(role)} onChange={(e) => setRoles(e.target.checked ? [...roles, role] : roles.filter((r) => r !== role))} />}
                  />
                ))}
              </Stack>
            </FormGroup>
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="contained" disabled={loading || names.length < 2 || roles.length === 0 || !name.trim()}>
            Create workflow
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

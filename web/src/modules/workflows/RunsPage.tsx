import { useQuery } from '@apollo/client/react';
import { Chip, MenuItem, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { OrganizationRunsDocument, type WorkflowRunStatus } from '@organoise/client';
import { useState } from 'react';
import { Link } from '../../app/router';
import { Pager, useCursorPages } from '../../ui/Pager';
import { Empty, ErrorState, Loading } from '../../ui/states';
import { useOrganization } from '../organizations/context';

const PAGE_SIZE = 10;
const STATUSES: WorkflowRunStatus[] = ['ACTIVE', 'COMPLETED', 'CANCELLED'];

/** Every run of the organization, filtered by status, workflow and state, a page at a time (by cursor). */
export default function RunsPage() {
  const { current } = useOrganization();
  const [status, setStatus] = useState<WorkflowRunStatus | ''>('');
  const [definitionId, setDefinitionId] = useState('');
  const [state, setState] = useState('');
  const pages = useCursorPages();
  const filter = { ...(status ? { status } : {}), ...(definitionId ? { definitionId } : {}), ...(state.trim() ? { state: state.trim() } : {}) };
  const { data, previousData, loading, error } = useQuery(OrganizationRunsDocument, { variables: { organizationId: current.id, first: PAGE_SIZE, after: pages.after, filter }, fetchPolicy: 'cache-and-network' });
  // The previous page stays on screen while the next loads, so the filters do not jump.
  const shown = (data ?? previousData)?.organization;
  const runs = shown?.workflowRuns;
  const change = (apply: () => void) => {
    apply();
    pages.reset();
  };
  return (
    <Stack spacing={2}>
      <Typography variant="h4" component="h1">
        Runs
      </Typography>
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2} role="search" aria-label="Filter runs">
        <TextField select size="small" label="Status" value={status} onChange={(e) => change(() => setStatus(e.target.value as WorkflowRunStatus | ''))} sx={{ minWidth: 160 }}>
          <MenuItem value="">any status</MenuItem>
          {STATUSES.map((s) => (
            <MenuItem key={s} value={s}>
              {s.toLowerCase()}
            </MenuItem>
          ))}
        </TextField>
        <TextField select size="small" label="Workflow" value={definitionId} onChange={(e) => change(() => setDefinitionId(e.target.value))} sx={{ minWidth: 200 }}>
          <MenuItem value="">any workflow</MenuItem>
          {(shown?.workflows.nodes ?? []).map((definition) => (
            <MenuItem key={definition.id} value={definition.id}>
              {definition.name}
            </MenuItem>
          ))}
        </TextField>
        <TextField size="small" label="State" value={state} onChange={(e) => change(() => setState(e.target.value))} placeholder="e.g. review" />
      </Stack>
      {loading && !shown ? <Loading label="Loading runs" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {runs && runs.nodes.length === 0 ? <Empty title={Object.keys(filter).length ? 'No runs match these filters' : 'No runs yet'} /> : null}
      {runs && runs.nodes.length > 0 ? (
        <TableContainer aria-busy={loading}>
          <Table size="small" aria-label="Runs">
            <TableHead>
              <TableRow>
                <TableCell>Workflow</TableCell>
                <TableCell>State</TableCell>
                <TableCell>Status</TableCell>
                <TableCell>Started by</TableCell>
                <TableCell>Updated</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {runs.nodes.map((run) => (
                <TableRow key={run.id} data-testid="run-row">
                  <TableCell>
                    <Link href={`/runs/${run.id}`}>{run.definition.name}</Link>
                  </TableCell>
                  <TableCell data-testid="run-row-state">{run.state}</TableCell>
                  <TableCell>
                    <Chip size="small" label={run.status.toLowerCase()} color={run.status === 'ACTIVE' ? 'primary' : run.status === 'COMPLETED' ? 'success' : 'default'} variant="outlined" />
                  </TableCell>
                  <TableCell>{run.startedBy?.name ?? '—'}</TableCell>
                  <TableCell>{new Date(run.updatedAt).toLocaleString()}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      ) : null}
      {runs ? <Pager pages={pages} hasNextPage={runs.pageInfo.hasNextPage} endCursor={runs.pageInfo.endCursor} total={runs.totalCount} label="Runs" /> : null}
    </Stack>
  );
}

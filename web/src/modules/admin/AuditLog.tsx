import { useQuery } from '@apollo/client/react';
import { MenuItem, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { AuditLogDocument, type AuditEventType } from '@organoise/client';
import { useState } from 'react';
import { Pager, useCursorPages } from '../../ui/Pager';
import { Empty, ErrorState, Loading } from '../../ui/states';

const PAGE_SIZE = 20;
// The organization's own events (account-level ones such as sign-ins are in each person's account).
const TYPES: AuditEventType[] = ['ORGANIZATION_CREATED', 'ORGANIZATION_UPDATED', 'INVITATION_CREATED', 'INVITATION_ACCEPTED', 'INVITATION_REVOKED', 'ROLE_CHANGED', 'MEMBER_REMOVED', 'API_KEY_CREATED', 'API_KEY_REVOKED', 'API_KEY_REFUSED', 'ORGANIZATION_ALLOW_LIST_CHANGED'];
const words = (type: string) => type.toLowerCase().replace(/_/g, ' ');

/** Who did what in the organization, newest first, a page at a time. */
export function AuditLog({ organizationId }: { organizationId: string }) {
  const [type, setType] = useState<AuditEventType | ''>('');
  const pages = useCursorPages();
  const { data, loading, error } = useQuery(AuditLogDocument, { variables: { organizationId, first: PAGE_SIZE, after: pages.after, filter: type ? { type } : null }, fetchPolicy: 'cache-and-network' });
  const log = data?.organization?.auditLog;
  return (
    <Stack spacing={2}>
      <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between', gap: 2, flexWrap: 'wrap' }}>
        <Typography variant="h6" component="h2">
          Audit log
        </Typography>
        <TextField select size="small" label="Event type" value={type} onChange={(e) => (setType(e.target.value as AuditEventType | ''), pages.reset())} sx={{ minWidth: 220 }}>
          <MenuItem value="">all events</MenuItem>
          {TYPES.map((t) => (
            <MenuItem key={t} value={t}>
              {words(t)}
            </MenuItem>
          ))}
        </TextField>
      </Stack>
      {loading && !log ? <Loading label="Loading the audit log" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {log && log.nodes.length === 0 ? <Empty title="No events" /> : null}
      {log && log.nodes.length > 0 ? (
        <TableContainer>
          <Table size="small" aria-label="Audit log">
            <TableHead>
              <TableRow>
                <TableCell>When</TableCell>
                <TableCell>Event</TableCell>
                <TableCell>By</TableCell>
                <TableCell>From</TableCell>
                <TableCell>Details</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {log.nodes.map((event) => (
                <TableRow key={event.id} data-testid="audit-event">
                  <TableCell>{new Date(event.occurredAt).toLocaleString()}</TableCell>
                  <TableCell>{words(event.type)}</TableCell>
                  <TableCell>{event.actor?.name ?? '—'}</TableCell>
                  <TableCell>{event.ipAddress ?? '—'}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace', fontSize: 12, wordBreak: 'break-all' }}>{JSON.stringify(event.details)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      ) : null}
      {log ? <Pager pages={pages} hasNextPage={log.pageInfo.hasNextPage} endCursor={log.pageInfo.endCursor} total={log.totalCount} label="Audit log" /> : null}
    </Stack>
  );
}

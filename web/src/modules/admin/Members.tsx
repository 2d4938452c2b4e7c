import { useMutation, useQuery } from '@apollo/client/react';
import { Button, MenuItem, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { ChangeMemberRoleDocument, MembersDocument, RemoveMemberDocument, type Role } from '@organoise/client';
import { ActionError, Empty, ErrorState, Loading } from '../../ui/states';
import { useOrganization } from '../organizations/context';

const ROLES: Role[] = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'];

/** Members and their roles: an admin changes a role or removes a member; only an owner makes an owner (the API decides). */
export function Members({ organizationId }: { organizationId: string }) {
  const { viewer } = useOrganization();
  const { data, loading, error } = useQuery(MembersDocument, { variables: { organizationId }, fetchPolicy: 'cache-and-network' });
  const [changeRole, changing] = useMutation(ChangeMemberRoleDocument);
  const [remove, removing] = useMutation(RemoveMemberDocument, { refetchQueries: [MembersDocument] });
  const members = data?.organization?.members;
  if (loading && !data) return <Loading label="Loading members" />;
  if (error && !data) return <ErrorState error={error} />;
  if (!members || members.nodes.length === 0) return <Empty title="No members" />;
  return (
    <Stack spacing={2}>
      <Typography color="text.secondary">{members.totalCount} members</Typography>
      <ActionError error={changing.error ?? removing.error} />
      <TableContainer>
        <Table size="small" aria-label="Members">
          <TableHead>
            <TableRow>
              <TableCell>Name</TableCell>
              <TableCell>Email</TableCell>
              <TableCell>Role</TableCell>
              <TableCell>
                Actions
              </TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {members.nodes.map((member) => {
              const name = member.user?.name ?? 'Unknown person';
              const self = member.user?.id === viewer.id;
              return (
                <TableRow key={member.id} data-testid={`member-${member.user?.email ?? member.id}`}>
                  <TableCell>{name}{self ? ' (you)' : ''}</TableCell>
                  <TableCell>{member.user?.email ?? '—'}</TableCell>
                  <TableCell>
                    <TextField
                      select
                      size="small"
                      label={`Role of ${name}`}
                      value={member.role}
                      disabled={!member.user || changing.loading}
                      onChange={(e) => member.user && void changeRole({ variables: { input: { organizationId, userId: member.user.id, role: e.target.value as Role } } }).catch(() => {})}
                    >
                      {ROLES.map((role) => (
                        <MenuItem key={role} value={role}>
                          {role.toLowerCase()}
                        </MenuItem>
                      ))}
                    </TextField>
                  </TableCell>
                  <TableCell align="right">
                    <Button
                      color="error"
                      disabled={!member.user || removing.loading}
                      aria-label={`Remove ${name}`}
                      onClick={() => {
                        if (member.user && window.confirm(`Remove ${name} from the organization?`)) void remove({ variables: { input: { organizationId, userId: member.user.id } } }).catch(() => {});
                      }}
                    >
                      Remove
                    </Button>
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </TableContainer>
      {members.pageInfo.hasNextPage ? <Typography color="text.secondary">The first {members.nodes.length} are shown.</Typography> : null}
    </Stack>
  );
}

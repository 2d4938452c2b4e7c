import { useMutation, useQuery } from '@apollo/client/react';
import { Button, MenuItem, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { ChangeMemberRoleDocument, MembersDocument, MembershipChangedDocument, RemoveMemberDocument, type MembersQuery, type MembershipChangedSubscription, type Role } from '@organoise/client';
import { useEffect, useRef, useState } from 'react';
import { ActionError, Empty, ErrorState, Loading } from '../../ui/states';
import { LiveIndicator } from '../live/LiveIndicator';
import { useLiveSubscription } from '../live/useLiveSubscription';
import { useOrganization } from '../organizations/context';

const ROLES: Role[] = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'];
// The API's bound on filter.search; longer is BAD_USER_INPUT.
const SEARCH_MAX = 100;

type Members = NonNullable<MembersQuery['organization']>['members'];
type Event = Pick<MembershipChangedSubscription['membershipChanged'], 'type' | 'userId' | 'member'>;

/**
 * The loaded pages after one membership event, or null when the list must be read again. Role
 * changes need nothing here: the event's member is written to the Apollo cache and the row follows.
 * A removal drops the row; a join is added at the end (the list is in joining order) once every
 * page is loaded, and otherwise only moves the count. While a search is on, whether the person
 * matches is the server's to say, so the list is read again.
 */
function applyEvent(members: Members, event: Event, searching: boolean): Members | null {
  if (event.type === 'membership.role_changed') return members;
  if (searching) return null;
  const present = members.nodes.some((node) => node.user?.id === event.userId);
  if (event.type === 'membership.removed') {
    // Absent with every page loaded: not counted either (a stale event after a re-read).
    if (!present && !members.pageInfo.hasNextPage) return members;
    return { ...members, totalCount: Math.max(0, members.totalCount - 1), nodes: members.nodes.filter((node) => node.user?.id !== event.userId) };
  }
  if (event.type === 'membership.added') {
    if (present) return members;
    const nodes = !members.pageInfo.hasNextPage && event.member ? [...members.nodes, event.member] : members.nodes;
    return { ...members, totalCount: members.totalCount + 1, nodes };
  }
  return null;
}

/**
 * Members and their roles, 50 at a time with "Load more", found by name (or email): an admin
 * changes a role or removes a member; only an owner makes an owner (the API decides). The list
 * follows membershipChanged while it is open, so joins, removals and role changes made elsewhere show.
 */
export function Members({ organizationId }: { organizationId: string }) {
  const { viewer } = useOrganization();
  const [typed, setTyped] = useState('');
  const [search, setSearch] = useState('');
  useEffect(() => {
    // A query per pause in typing, not per key.
    const timer = setTimeout(() => setSearch(typed.trim()), 300);
    return () => clearTimeout(timer);
  }, [typed]);
  const variables = { organizationId, ...(search ? { search } : {}) };
  const { data, previousData, loading, error, fetchMore, updateQuery, refetch } = useQuery(MembersDocument, { variables, fetchPolicy: 'cache-and-network' });
  const [more, setMore] = useState<{ loading: boolean; error: unknown }>({ loading: false, error: null });
  const [changeRole, changing] = useMutation(ChangeMemberRoleDocument);
  const [remove, removing] = useMutation(RemoveMemberDocument);
  const searchingRef = useRef(false);
  searchingRef.current = search !== '';
  // Removals already applied: the admin's own removal and its live event both arrive, in either
  // order, and the count must drop once. A join (the person back) forgets them.
  const gone = useRef(new Set<string>());
  const apply = (event: Event) => {
    if (event.type === 'membership.removed') {
      if (gone.current.has(event.userId)) return;
      gone.current.add(event.userId);
    } else if (event.type === 'membership.added') gone.current.delete(event.userId);
    let reread = false;
    updateQuery((_, { complete, previousData: previous }) => {
      // Nothing whole to change (not read yet): the next read has the change.
      if (!complete) return undefined;
      const members = previous.organization?.members;
      if (!previous.organization || !members) return previous;
      const next = applyEvent(members, event, searchingRef.current);
      if (!next) reread = true;
      return next && next !== members ? { ...previous, organization: { ...previous.organization, members: next } } : previous;
    });
    if (reread) void refetch().catch(() => {});
  };
  const live = useLiveSubscription(MembershipChangedDocument, { organizationId }, { cursorOf: (d) => d.membershipChanged.cursor, onEvent: (d) => apply(d.membershipChanged), onRestart: () => void refetch().catch(() => {}) });

  const shown = data ?? previousData;
  const members = shown?.organization?.members;
  const loadMore = async () => {
    if (!members) return;
    setMore({ loading: true, error: null });
    try {
      await fetchMore({
        variables: { after: members.pageInfo.endCursor },
        updateQuery: (previous, { fetchMoreResult }) => {
          const page = fetchMoreResult.organization?.members;
          const prior = previous.organization?.members;
          if (!page || !prior || !fetchMoreResult.organization) return previous;
          // A member who joined live may already be at the end of what is shown.
          const seen = new Set(prior.nodes.map((node) => node.id));
          return { ...fetchMoreResult, organization: { ...fetchMoreResult.organization, members: { ...page, nodes: [...prior.nodes, ...page.nodes.filter((node) => !seen.has(node.id))] } } };
        },
      });
      setMore({ loading: false, error: null });
    } catch (failure) {
      setMore({ loading: false, error: failure });
    }
  };
  const searchField = (
    <TextField
      size="small"
      type="search"
      label="Find a member"
      placeholder="Name or email"
      value={typed}
      onChange={(e) => setTyped(e.target.value)}
      slotProps={{ htmlInput: { maxLength: SEARCH_MAX } }}
      sx={{ maxWidth: 360 }}
    />
  );
  if (loading && !shown) return <Loading label="Loading members" />;
  if (error && !shown) return <ErrorState error={error} />;
  if (!members || members.nodes.length === 0) {
    return (
      <Stack spacing={2}>
        {searchField}
        {error ? <ErrorState error={error} /> : search ? <Empty title={`No member matches “${search}”`} /> : <Empty title="No members" />}
      </Stack>
    );
  }
  return (
    <Stack spacing={2}>
      <Stack direction="row" sx={{ gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
        {searchField}
        <Typography color="text.secondary" role="status" aria-live="polite" data-testid="members-count">
          {members.nodes.length < members.totalCount ? `${members.nodes.length} of ${members.totalCount} members shown` : `${members.totalCount} ${members.totalCount === 1 ? 'member' : 'members'}`}
          {search ? ` matching “${search}”` : ''}
        </Typography>
        <LiveIndicator status={live.status} />
      </Stack>
      {error ? <ErrorState error={error} /> : null}
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
                        if (member.user && window.confirm(`Remove ${name} from the organization?`)) {
                          const userId = member.user.id;
                          // The row goes at once; the live event that follows finds it gone.
                          void remove({ variables: { input: { organizationId, userId } } })
                            .then(() => apply({ type: 'membership.removed', userId, member: null }))
                            .catch(() => {});
                        }
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
      {more.error ? <ErrorState error={more.error} title="Could not load more members" /> : null}
      {members.pageInfo.hasNextPage ? (
        <Button variant="outlined" onClick={() => void loadMore()} disabled={more.loading} sx={{ alignSelf: 'center' }}>
          {more.loading ? 'Loading more…' : 'Load more'}
        </Button>
      ) : null}
    </Stack>
  );
}

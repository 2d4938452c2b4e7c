import { AppBar, Box, Button, Container, Stack, Toolbar, Typography } from '@mui/material';
import type { FormEvent, ReactNode } from 'react';
import { useSession, useSessionStore } from '../modules/auth/context';
import { canManage, OrganizationSwitcher, useOrganization } from '../modules/organizations/current';
import { Link, navigate, usePath, useQueryString } from './router';

const NAV = [
  { href: '/', label: 'Dashboard' },
  { href: '/tasks', label: 'Tasks' },
  { href: '/workflows', label: 'Workflows' },
  { href: '/runs', label: 'Runs' },
  { href: '/files', label: 'Files' },
  // Owners and admins only; anyone else opening /admin is told they may not.
  { href: '/admin', label: 'Admin', managers: true },
];

export function Shell({ children }: { children: ReactNode }) {
  const path = usePath();
  const session = useSessionStore();
  const state = useSession();
  const { current } = useOrganization();
  const nav = NAV.filter((item) => !('managers' in item) || canManage(current.viewerRole));
  const active = (href: string) => (href === '/' ? path === '/' : path.startsWith(href));
  return (
    <>
      <AppBar position="static" color="default" elevation={1}>
        <Toolbar sx={{ gap: 2, flexWrap: 'wrap', py: 1 }}>
          <Typography variant="h6" component="span" sx={{ fontWeight: 700 }}>
            OrgaNoise
          </Typography>
          <Stack component="nav" aria-label="Main" direction="row" sx={{ gap: 1, flexGrow: 1, flexWrap: 'wrap' }}>
            {nav.map((item) => (
              <Link key={item.href} href={item.href} underline="none" aria-current={active(item.href) ? 'page' : undefined} sx={{ px: 1, py: 0.5, borderRadius: 1, fontWeight: active(item.href) ? 700 : 400, bgcolor: active(item.href) ? 'action.selected' : undefined }}>
                {item.label}
              </Link>
            ))}
          </Stack>
          <SearchField />
          <OrganizationSwitcher />
          {state.status === 'signed-in' ? (
            <Link href="/account" variant="body2" data-testid="signed-in-as" title="Account settings" aria-current={path === '/account' ? 'page' : undefined}>
              {state.user.name}
            </Link>
          ) : null}
          <Button onClick={() => void session.signOut()}>Sign out</Button>
        </Toolbar>
      </AppBar>
      <Container component="main" maxWidth="lg" sx={{ py: 3 }}>
        <Box>{children}</Box>
      </Container>
    </>
  );
}

/**
 * The app bar's search: Enter opens /search?q=... (its own chunk, loaded then). Plain elements, not
 * a MUI text field: the shell is part of the dashboard's first paint, which this must not grow.
 * Without script the form still goes to the same URL.
 */
function SearchField() {
  // On the search page the field shows its words (and is drawn afresh when they change).
  const path = usePath();
  const query = useQueryString();
  const words = path === '/search' ? (new URLSearchParams(query).get('q') ?? '') : '';
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const q = String(new FormData(event.currentTarget).get('q') ?? '').trim();
    if (q) navigate(`/search?${new URLSearchParams({ q }).toString()}`);
  };
  return (
    <Box component="form" role="search" action="/search" onSubmit={submit} sx={{ display: 'flex' }}>
      <Box
        component="input"
        type="search"
        name="q"
        key={words}
        defaultValue={words}
        aria-label="Search"
        placeholder="Search…"
        maxLength={256}
        enterKeyHint="search"
        sx={{ font: 'inherit', px: 1.5, py: 0.75, width: 200, border: 1, borderColor: 'divider', borderRadius: 1, bgcolor: 'background.paper', color: 'text.primary', '&:focus': { outline: 2, outlineColor: 'primary.main', outlineStyle: 'solid', outlineOffset: -1 } }}
      />
    </Box>
  );
}

import { AppBar, Box, Button, Container, Stack, Toolbar, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { useSession, useSessionStore } from '../modules/auth/context';
import { canManage, OrganizationSwitcher, useOrganization } from '../modules/organizations/current';
import { Link, usePath } from './router';

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

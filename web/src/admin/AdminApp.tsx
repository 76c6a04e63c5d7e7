/**
 * The admin panel (/admin/…): a navigation of the pages the caller's role allows (from
 * /api/auth/me, the server's own permission list; the server checks every call regardless) and
 * the page of the current path. Loaded as its own chunk, so the chat's first load does not grow.
 */
import Box from '@mui/material/Box';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import { useMemo, useRef, type ReactNode } from 'react';
import { useAuth } from '../api/auth';
import { useResource } from '../api/use-resource';
import { Empty, Failed, Loading } from '../components/StateViews';
import { navigate, usePath } from '../router';
import { adminApi, type AdminApi } from './admin-api';
import { useAdminT, type AdminT } from './i18n';
import { AccountsPage } from './pages/AccountsPage';
import { DashboardPage } from './pages/DashboardPage';
import { KeysPage } from './pages/KeysPage';
import { LogsPage } from './pages/LogsPage';
import { QueuePage } from './pages/QueuePage';
import { SettingsPage } from './pages/SettingsPage';
import { UsersPage } from './pages/UsersPage';
import { WorkersPage } from './pages/WorkersPage';

interface AdminPage {
  path: string;
  label: Parameters<AdminT>[0];
  /** Any one of these lets the page show. */
  permissions: string[];
  render(api: AdminApi, permissions: readonly string[]): ReactNode;
}

export const ADMIN_PAGES: readonly AdminPage[] = [
  {
    path: '/admin/dashboard',
    label: 'nav.dashboard',
    permissions: ['usage:read'],
    render: (api) => <DashboardPage api={api} />,
  },
  {
    path: '/admin/accounts',
    label: 'nav.accounts',
    permissions: ['accounts:read'],
    render: (api, p) => <AccountsPage api={api} canWrite={p.includes('accounts:write')} />,
  },
  {
    path: '/admin/logs',
    label: 'nav.logs',
    permissions: ['usage:read', 'audit:read'],
    render: (api, p) => (
      <LogsPage api={api} requests={p.includes('usage:read')} audit={p.includes('audit:read')} />
    ),
  },
  {
    path: '/admin/users',
    label: 'nav.users',
    permissions: ['users:manage'],
    render: (api) => <UsersPage api={api} />,
  },
  {
    path: '/admin/keys',
    label: 'nav.keys',
    permissions: ['keys:all'],
    render: (api) => <KeysPage api={api} />,
  },
  {
    path: '/admin/workers',
    label: 'nav.workers',
    permissions: ['operations:read'],
    render: (api, p) => <WorkersPage api={api} canWrite={p.includes('operations:write')} />,
  },
  {
    path: '/admin/queue',
    label: 'nav.queue',
    permissions: ['operations:read'],
    render: (api, p) => <QueuePage api={api} canWrite={p.includes('operations:write')} />,
  },
  {
    path: '/admin/settings',
    label: 'nav.settings',
    permissions: ['settings:manage'],
    render: (api) => <SettingsPage api={api} />,
  },
];

export function pagesFor(permissions: readonly string[]): AdminPage[] {
  return ADMIN_PAGES.filter((page) => page.permissions.some((p) => permissions.includes(p)));
}

export function AdminLayout({ api, permissions }: { api: AdminApi; permissions: readonly string[] }) {
  const t = useAdminT();
  const path = usePath();
  const pages = pagesFor(permissions);
  const current = pages.find((page) => path === page.path || path.startsWith(`${page.path}/`)) ?? pages[0];
  if (!current) return <Empty text={t('nav.none')} />;
  return (
    <Box sx={{ display: 'flex', flex: 1, minHeight: 0 }}>
      <Box component="nav" sx={{ width: 180, borderRight: 1, borderColor: 'divider', flexShrink: 0 }}>
        <List dense>
          {pages.map((page) => (
            <ListItemButton
              key={page.path}
              selected={page === current}
              onClick={() => navigate(page.path)}
              data-testid={`admin-nav-${page.path.slice('/admin/'.length)}`}
            >
              <ListItemText primary={t(page.label)} />
            </ListItemButton>
          ))}
        </List>
      </Box>
      <Box
        component="main"
        sx={{ flex: 1, overflow: 'auto', p: 2 }}
        data-testid={`admin-page-${current.path.slice(7)}`}
      >
        {current.render(api, permissions)}
      </Box>
    </Box>
  );
}

export default function AdminApp() {
  const auth = useAuth();
  // The auth object changes with every token refresh; the API must not (pages would reload).
  const tokenOf = useRef(auth.token);
  tokenOf.current = auth.token;
  const api = useMemo(() => adminApi(() => tokenOf.current()), []);
  const [me, reload] = useResource(() => api.me(), 'me');
  if (me.status === 'loading') return <Loading />;
  if (me.status === 'error') return <Failed message={me.message} onRetry={reload} />;
  return <AdminLayout api={api} permissions={me.data.permissions} />;
}

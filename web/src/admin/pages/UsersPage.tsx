/** /admin/users: create a user (one-time password shown once), change a role, disable. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Select from '@mui/material/Select';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import { useState } from 'react';
import { useResource } from '../../api/use-resource';
import { Empty, Failed, Loading } from '../../components/StateViews';
import type { AdminApi } from '../admin-api';
import { useAdminT } from '../i18n';

export const ROLES = ['admin', 'operator', 'member', 'viewer'] as const;

export function UsersPage({ api }: { api: AdminApi }) {
  const t = useAdminT();
  const [users, reload] = useResource(() => api.users(), 'users');
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<string>('member');
  const [notice, setNotice] = useState<{ ok: boolean; text: string }>();
  const failed = (e: unknown) =>
    setNotice({ ok: false, text: t('form.failed', { message: e instanceof Error ? e.message : String(e) }) });
  const act = (work: Promise<unknown>) => work.then(reload, failed);

  const create = () =>
    api.createUser({ username, role }).then((created) => {
      setUsername('');
      setNotice(
        created.password
          ? {
              ok: true,
              text: t('users.password', { name: created.user.username, password: created.password }),
            }
          : undefined,
      );
      reload();
    }, failed);

  return (
    <Box>
      <Box sx={{ display: 'flex', gap: 1, mb: 2 }}>
        <TextField
          size="small"
          label={t('users.username')}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <Select
          size="small"
          value={role}
          onChange={(e) => setRole(e.target.value)}
          inputProps={{ 'aria-label': t('col.role') }}
        >
          {ROLES.map((r) => (
            <MenuItem key={r} value={r}>
              {r}
            </MenuItem>
          ))}
        </Select>
        <Button variant="contained" disabled={!username.trim()} onClick={() => void create()}>
          {t('users.add')}
        </Button>
      </Box>
      {notice && (
        <Alert
          severity={notice.ok ? 'info' : 'error'}
          sx={{ mb: 2 }}
          onClose={() => setNotice(undefined)}
          data-testid="user-notice"
        >
          {notice.text}
        </Alert>
      )}
      {users.status === 'loading' ? (
        <Loading />
      ) : users.status === 'error' ? (
        <Failed message={users.message} onRetry={reload} />
      ) : users.data.length === 0 ? (
        <Empty text={t('users.empty')} />
      ) : (
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('users.username')}</TableCell>
              <TableCell>{t('col.role')}</TableCell>
              <TableCell>{t('col.created')}</TableCell>
              <TableCell>{t('col.actions')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {users.data.map((u) => (
              <TableRow key={u.id} data-testid="user-row">
                <TableCell>{u.username}</TableCell>
                <TableCell>
                  <Select
                    size="small"
                    value={u.role}
                    disabled={u.disabledAt !== null}
                    onChange={(e) => void act(api.setRole(u.id, e.target.value))}
                    inputProps={{ 'aria-label': `${t('col.role')} ${u.username}` }}
                  >
                    {ROLES.map((r) => (
                      <MenuItem key={r} value={r}>
                        {r}
                      </MenuItem>
                    ))}
                  </Select>
                </TableCell>
                <TableCell>{new Date(u.createdAt).toLocaleString()}</TableCell>
                <TableCell>
                  {u.disabledAt ? (
                    t('users.disabled')
                  ) : (
                    <Button size="small" color="error" onClick={() => void act(api.disableUser(u.id))}>
                      {t('users.disable')}
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Box>
  );
}

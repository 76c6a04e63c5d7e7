/** /admin/keys: every user's keys; create one with limits and models (secret shown once), edit its limits, revoke. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { useResource } from '../../api/use-resource';
import { Empty, Failed, Loading } from '../../components/StateViews';
import type { AdminApi, AdminUser, ApiKey } from '../admin-api';
import { useAdminT } from '../i18n';
import { KeyLimitsDialog } from './KeyLimitsDialog';

const LIMIT_FIELDS = [
  ['requestsPerMinute', 'keys.rpm'],
  ['tokensPerMinute', 'keys.tpm'],
  ['usdPerDay', 'keys.usdPerDay'],
] as const;

function CreateKeyDialog({
  users,
  onCreate,
  onClose,
}: {
  users: AdminUser[];
  onCreate(body: Record<string, unknown>): Promise<{ secret: string }>;
  onClose(): void;
}) {
  const t = useAdminT();
  const [name, setName] = useState('');
  const [userId, setUserId] = useState('');
  const [limits, setLimits] = useState<Record<string, string>>({});
  const [models, setModels] = useState('');
  const [secret, setSecret] = useState<string>();
  const [error, setError] = useState<string>();
  const create = () => {
    const chosenLimits = Object.fromEntries(
      Object.entries(limits)
        .filter(([, v]) => v.trim() !== '')
        .map(([k, v]) => [k, Number(v)]),
    );
    const modelList = models
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    onCreate({
      name,
      ...(userId ? { userId } : {}),
      ...(Object.keys(chosenLimits).length ? { limits: chosenLimits } : {}),
      ...(modelList.length ? { models: modelList } : {}),
    }).then(
      (created) => setSecret(created.secret),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm">
      <DialogTitle>{t('keys.add')}</DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
        {error && <Alert severity="error">{t('form.failed', { message: error })}</Alert>}
        {secret ? (
          <Alert severity="success">
            {t('keys.secret')}
            <Typography
              component="code"
              sx={{ display: 'block', fontFamily: 'monospace', wordBreak: 'break-all', mt: 1 }}
              data-testid="key-secret"
            >
              {secret}
            </Typography>
          </Alert>
        ) : (
          <>
            <TextField
              label={t('col.name')}
              value={name}
              onChange={(e) => setName(e.target.value)}
              slotProps={{ htmlInput: { 'data-testid': 'key-name' } }}
            />
            <TextField
              select
              label={t('keys.owner')}
              value={userId}
              onChange={(e) => setUserId(e.target.value)}
            >
              <MenuItem value="">–</MenuItem>
              {users.map((u) => (
                <MenuItem key={u.id} value={u.id}>
                  {u.username}
                </MenuItem>
              ))}
            </TextField>
            {LIMIT_FIELDS.map(([field, label]) => (
              <TextField
                key={field}
                type="number"
                label={t(label)}
                value={limits[field] ?? ''}
                onChange={(e) => setLimits({ ...limits, [field]: e.target.value })}
              />
            ))}
            <TextField label={t('keys.models')} value={models} onChange={(e) => setModels(e.target.value)} />
          </>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} data-testid="key-close">
          {secret ? t('form.close') : t('form.cancel')}
        </Button>
        {!secret && (
          <Button variant="contained" onClick={create} disabled={!name.trim()} data-testid="key-create">
            {t('keys.add')}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}

const limitsText = (key: ApiKey) =>
  Object.entries(key.limits)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ') || '–';

export function KeysPage({ api }: { api: AdminApi }) {
  const t = useAdminT();
  const [data, reload] = useResource(async () => {
    const [keys, users] = await Promise.all([api.keys(), api.users()]);
    return { keys, users };
  }, 'keys');
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<ApiKey>();
  const [error, setError] = useState<string>();
  if (data.status === 'loading') return <Loading />;
  if (data.status === 'error') return <Failed message={data.message} onRetry={reload} />;
  const owners = new Map(data.data.users.map((u) => [u.id, u.username]));
  const revoke = (key: ApiKey) =>
    api.revokeKey(key.id).then(reload, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  return (
    <Box>
      <Button variant="contained" sx={{ mb: 2 }} onClick={() => setCreating(true)} data-testid="key-add">
        {t('keys.add')}
      </Button>
      {error && (
        <Alert severity="error" sx={{ mb: 2 }} onClose={() => setError(undefined)}>
          {t('form.failed', { message: error })}
        </Alert>
      )}
      {data.data.keys.length === 0 ? (
        <Empty text={t('keys.empty')} />
      ) : (
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('col.name')}</TableCell>
              <TableCell>{t('col.prefix')}</TableCell>
              <TableCell>{t('keys.owner')}</TableCell>
              <TableCell>{t('col.limits')}</TableCell>
              <TableCell>{t('col.lastUsed')}</TableCell>
              <TableCell>{t('col.actions')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {data.data.keys.map((k) => (
              <TableRow key={k.id} data-testid="key-row">
                <TableCell data-testid="key-row-name">{k.name}</TableCell>
                <TableCell>{k.prefix}</TableCell>
                <TableCell>{owners.get(k.userId) ?? k.userId}</TableCell>
                <TableCell data-testid="key-row-limits">{limitsText(k)}</TableCell>
                <TableCell>{k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : '–'}</TableCell>
                <TableCell>
                  {k.revokedAt ? (
                    t('keys.revoked')
                  ) : (
                    <>
                      <Button size="small" onClick={() => setEditing(k)} data-testid="key-edit">
                        {t('keys.editLimits')}
                      </Button>
                      <Button size="small" color="error" onClick={() => void revoke(k)}>
                        {t('keys.revoke')}
                      </Button>
                    </>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {editing && (
        <KeyLimitsDialog
          apiKey={editing}
          onSave={(patch) => api.updateKey(editing.id, patch).then(reload)}
          onClose={() => setEditing(undefined)}
        />
      )}
      {creating && (
        <CreateKeyDialog
          users={data.data.users}
          onCreate={(body) => api.createKey(body)}
          // Reloading unmounts the dialog: only once the secret has been seen.
          onClose={() => {
            setCreating(false);
            reload();
          }}
        />
      )}
    </Box>
  );
}

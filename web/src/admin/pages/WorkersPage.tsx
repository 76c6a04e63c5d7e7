/** /admin/workers: each worker's state, host, accounts, jobs in flight and last heartbeat; drain and undrain. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { Empty, Failed, Loading } from '../../components/StateViews';
import type { AdminApi, WorkerInfo } from '../admin-api';
import { useAdminT } from '../i18n';
import { usePolling } from '../use-polling';
import { errorText, formatAge } from './format';

const STATE_COLOR = { running: 'success', draining: 'warning', drained: 'default' } as const;

export function WorkersPage({ api, canWrite }: { api: AdminApi; canWrite: boolean }) {
  const t = useAdminT();
  const [loaded, reload] = usePolling(() => api.workers(), 'workers', 3_000);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<string>();
  if (loaded.status === 'loading') return <Loading />;
  if (loaded.status === 'error') return <Failed message={loaded.message} onRetry={reload} />;
  const { mode, workers } = loaded.data;
  const now = Date.now();
  const toggle = (worker: WorkerInfo) => {
    setBusy(worker.id);
    api
      .drainWorker(worker.id, worker.state === 'running')
      .then(reload, (e: unknown) => setError(errorText(e)))
      .finally(() => setBusy(undefined));
  };
  return (
    <Box>
      {mode === 'embedded' ? (
        <Alert severity="info" sx={{ mb: 2 }} data-testid="workers-embedded">
          {t('workers.embedded')}
        </Alert>
      ) : (
        <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
          {t('workers.drainHelp')}
        </Typography>
      )}
      {error && (
        <Alert severity="error" sx={{ mb: 2 }} onClose={() => setError(undefined)}>
          {t('form.failed', { message: error })}
        </Alert>
      )}
      {workers.length === 0 ? (
        <Empty text={t('workers.empty')} />
      ) : (
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('col.name')}</TableCell>
              <TableCell>{t('col.host')}</TableCell>
              <TableCell>{t('col.state')}</TableCell>
              <TableCell>{t('col.accounts')}</TableCell>
              <TableCell>{t('col.inFlight')}</TableCell>
              <TableCell>{t('col.heartbeat')}</TableCell>
              {canWrite && mode === 'distributed' && <TableCell>{t('col.actions')}</TableCell>}
            </TableRow>
          </TableHead>
          <TableBody>
            {workers.map((w) => (
              <TableRow key={w.id} data-testid="worker-row" data-id={w.id}>
                <TableCell sx={{ fontFamily: 'monospace' }}>{w.id}</TableCell>
                <TableCell>{w.host}</TableCell>
                <TableCell>
                  <Chip
                    size="small"
                    data-testid="worker-state"
                    data-state={w.status === 'lost' ? 'lost' : w.state}
                    color={w.status === 'lost' ? 'error' : STATE_COLOR[w.state]}
                    label={w.status === 'lost' ? t('worker.lost') : t(`worker.${w.state}`)}
                  />
                </TableCell>
                <TableCell>{w.accounts.map((a) => a.name ?? a.id).join(', ') || '–'}</TableCell>
                <TableCell>
                  {w.inFlight ?? '–'}/{w.capacity}
                </TableCell>
                <TableCell>{t('time.ago', { age: formatAge(now - Date.parse(w.lastSeenAt), t) })}</TableCell>
                {canWrite && mode === 'distributed' && (
                  <TableCell>
                    <Button
                      size="small"
                      data-testid="worker-toggle"
                      disabled={busy === w.id || w.status === 'lost'}
                      onClick={() => toggle(w)}
                    >
                      {w.state === 'running' ? t('workers.drain') : t('workers.undrain')}
                    </Button>
                  </TableCell>
                )}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Box>
  );
}

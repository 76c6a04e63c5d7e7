/** /admin/queue: requests waiting (for an account or a worker) and being answered, on every gateway; cancel one. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { Empty, Failed, Loading } from '../../components/StateViews';
import type { AdminApi, QueueEntry } from '../admin-api';
import { useAdminT } from '../i18n';
import { usePolling } from '../use-polling';
import { errorText, formatAge } from './format';
import { ActionMessage, type ActionOutcome } from './ActionMessage';

function Figure({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <Box sx={{ minWidth: 140 }}>
      <Typography variant="body2" color="text.secondary">
        {label}
      </Typography>
      <Typography variant="h5" data-testid={testId}>
        {value}
      </Typography>
    </Box>
  );
}

export function QueuePage({ api, canWrite }: { api: AdminApi; canWrite: boolean }) {
  const t = useAdminT();
  const [loaded, reload] = usePolling(() => api.queue(), 'queue', 2_000);
  const [confirming, setConfirming] = useState<QueueEntry>();
  const [message, setMessage] = useState<ActionOutcome>();
  if (loaded.status === 'loading') return <Loading />;
  if (loaded.status === 'error') return <Failed message={loaded.message} onRetry={reload} />;
  const queue = loaded.data;
  const cancel = (entry: QueueEntry) => {
    setConfirming(undefined);
    api.cancelRequest(entry.requestId).then(
      () => {
        setMessage({ ok: true, text: t('queue.cancelled', { id: entry.requestId }) });
        reload();
      },
      (e: unknown) => setMessage({ ok: false, text: t('form.failed', { message: errorText(e) }) }),
    );
  };
  const who = (e: QueueEntry) =>
    [e.operation === 'web_chat' ? t('queue.webChat') : e.apiKeyName, e.username]
      .filter(Boolean)
      .join(' · ') || '–';
  return (
    <Box>
      <Box sx={{ display: 'flex', gap: 4, mb: 2 }}>
        <Figure label={t('queue.depth')} value={queue.depth} testId="queue-depth" />
        <Figure label={t('queue.waiting')} value={queue.waiting} testId="queue-waiting" />
        <Figure label={t('queue.active')} value={queue.active} testId="queue-active" />
      </Box>
      {!queue.complete && (
        <Alert severity="warning" sx={{ mb: 2 }} data-testid="queue-incomplete">
          {t('queue.incomplete')}
        </Alert>
      )}
      <ActionMessage message={message} onClose={() => setMessage(undefined)} testId="queue-message" />
      {queue.entries.length === 0 ? (
        <Empty text={t('queue.empty')} />
      ) : (
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('col.request')}</TableCell>
              <TableCell>{t('col.state')}</TableCell>
              <TableCell>{t('col.key')}</TableCell>
              <TableCell>{t('col.model')}</TableCell>
              <TableCell>{t('col.account')}</TableCell>
              <TableCell>{t('col.worker')}</TableCell>
              <TableCell>{t('col.age')}</TableCell>
              {canWrite && <TableCell>{t('col.actions')}</TableCell>}
            </TableRow>
          </TableHead>
          <TableBody>
            {queue.entries.map((e) => (
              <TableRow key={e.requestId} data-testid="queue-row" data-state={e.state}>
                <TableCell sx={{ fontFamily: 'monospace' }}>{e.requestId}</TableCell>
                <TableCell>
                  <Chip
                    size="small"
                    color={e.state === 'waiting' ? 'warning' : 'info'}
                    label={t(`queue.state.${e.state}`)}
                  />
                </TableCell>
                <TableCell>{who(e)}</TableCell>
                <TableCell>{e.model}</TableCell>
                <TableCell>{e.accountName ?? '–'}</TableCell>
                <TableCell>{e.worker ?? '–'}</TableCell>
                <TableCell>{formatAge(e.ageMs, t)}</TableCell>
                {canWrite && (
                  <TableCell>
                    <Button
                      size="small"
                      color="error"
                      data-testid="queue-cancel"
                      onClick={() => setConfirming(e)}
                    >
                      {t('queue.cancel')}
                    </Button>
                  </TableCell>
                )}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {confirming && (
        <Dialog open onClose={() => setConfirming(undefined)}>
          <DialogTitle>{t('queue.confirmTitle', { id: confirming.requestId })}</DialogTitle>
          <DialogContent>
            <Typography variant="body2">{t('queue.confirmText')}</Typography>
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setConfirming(undefined)}>{t('queue.keep')}</Button>
            <Button
              color="error"
              variant="contained"
              data-testid="queue-confirm"
              onClick={() => cancel(confirming)}
            >
              {t('queue.confirm')}
            </Button>
          </DialogActions>
        </Dialog>
      )}
    </Box>
  );
}

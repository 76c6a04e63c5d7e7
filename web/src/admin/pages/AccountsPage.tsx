/** /admin/accounts: every account with its live state, use over the hour, and its actions. */
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import { useEffect, useState } from 'react';
import { Empty, Failed, Loading } from '../../components/StateViews';
import type { Account, AdminApi, Stats } from '../admin-api';
import { useAdminT, type AdminT } from '../i18n';
import { usePolling } from '../use-polling';
import { AccountDialog } from './AccountDialog';
import { ActionMessage, type ActionOutcome } from './ActionMessage';

const STATE_COLOR = {
  active: 'success',
  cooling_down: 'warning',
  needs_reauth: 'error',
  disabled: 'default',
} as const;

export function stateLabel(account: Account, now: number, t: AdminT): string {
  if (account.state !== 'cooling_down') return t(`state.${account.state}`);
  const until = account.cooldownUntil ? Date.parse(account.cooldownUntil) : now;
  return t('state.cooling_down', { seconds: Math.max(0, Math.ceil((until - now) / 1000)) });
}

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

interface Loaded {
  accounts: Account[];
  usage: Stats['accounts'] | null;
}

export function AccountsPage({ api, canWrite }: { api: AdminApi; canWrite: boolean }) {
  const t = useAdminT();
  const now = useNow(1000);
  const [editing, setEditing] = useState<Account | 'new'>();
  const [message, setMessage] = useState<ActionOutcome>();
  const [loaded, reload] = usePolling<Loaded>(
    async () => {
      // Use over the hour is a nicety: a role without usage:read still gets the list.
      const [accounts, stats] = await Promise.all([api.accounts(), api.stats('1h').catch(() => null)]);
      return { accounts, usage: stats?.accounts ?? null };
    },
    'accounts',
    5_000,
  );

  const act = (work: Promise<unknown>, text?: string) =>
    work.then(
      () => {
        if (text) setMessage({ ok: true, text });
        reload();
      },
      (e: unknown) =>
        setMessage({
          ok: false,
          text: t('form.failed', { message: e instanceof Error ? e.message : String(e) }),
        }),
    );
  const test = (account: Account) =>
    api.testAccount(account.id).then(
      (r) => {
        setMessage({
          ok: r.ok,
          text: r.ok
            ? t('accounts.testOk', { name: r.account, status: r.status ?? '–', ms: Math.round(r.latencyMs) })
            : t('accounts.testFailed', { name: r.account, detail: r.detail }),
        });
        reload();
      },
      (e: unknown) =>
        setMessage({
          ok: false,
          text: t('form.failed', { message: e instanceof Error ? e.message : String(e) }),
        }),
    );

  if (loaded.status === 'loading') return <Loading />;
  if (loaded.status === 'error') return <Failed message={loaded.message} onRetry={reload} />;
  const { accounts, usage } = loaded.data;
  const reauth = accounts.filter((a) => a.state === 'needs_reauth');
  return (
    <Box>
      {reauth.length > 0 && (
        <Alert severity="warning" sx={{ mb: 2 }} data-testid="reauth-banner">
          <AlertTitle>
            {t('accounts.reauthTitle', { names: reauth.map((a) => a.name).join(', ') })}
          </AlertTitle>
          {t('accounts.reauthHelp')}
        </Alert>
      )}
      <ActionMessage message={message} onClose={() => setMessage(undefined)} testId="account-message" />
      {canWrite && (
        <Button
          variant="contained"
          sx={{ mb: 2 }}
          onClick={() => setEditing('new')}
          data-testid="account-add"
        >
          {t('accounts.add')}
        </Button>
      )}
      {accounts.length === 0 ? (
        <Empty text={t('accounts.empty')} />
      ) : (
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('col.name')}</TableCell>
              <TableCell>{t('col.kind')}</TableCell>
              <TableCell>{t('col.state')}</TableCell>
              <TableCell>{t('col.inFlight')}</TableCell>
              <TableCell>{t('accounts.usage')}</TableCell>
              {canWrite && <TableCell>{t('col.actions')}</TableCell>}
            </TableRow>
          </TableHead>
          <TableBody>
            {accounts.map((a) => {
              const use = usage?.find((u) => u.accountId === a.id);
              return (
                <TableRow key={a.id} data-testid="account-row" data-name={a.name}>
                  <TableCell>{a.name}</TableCell>
                  <TableCell>{a.kind}</TableCell>
                  <TableCell>
                    <Chip
                      size="small"
                      color={STATE_COLOR[a.state]}
                      label={stateLabel(a, now, t)}
                      data-testid="account-state"
                      data-state={a.state}
                    />
                  </TableCell>
                  <TableCell>
                    {a.inFlight ?? 0}/{a.maxConcurrency}
                  </TableCell>
                  <TableCell>{use ? `${use.requests} (${use.errors} ${t('col.errors')})` : '0'}</TableCell>
                  {canWrite && (
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>
                      <Button size="small" onClick={() => void test(a)}>
                        {t('accounts.test')}
                      </Button>
                      <Button size="small" onClick={() => setEditing(a)}>
                        {t('accounts.edit')}
                      </Button>
                      <Button
                        size="small"
                        data-testid="account-toggle"
                        onClick={() =>
                          void act(
                            api.updateAccount(a.id, {
                              state: a.state === 'disabled' ? 'active' : 'disabled',
                            }),
                          )
                        }
                      >
                        {a.state === 'disabled' ? t('accounts.enable') : t('accounts.disable')}
                      </Button>
                    </TableCell>
                  )}
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      {editing && (
        <AccountDialog
          account={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(undefined)}
          onSave={(body) =>
            (editing === 'new' ? api.addAccount(body) : api.updateAccount(editing.id, body)).then(reload)
          }
        />
      )}
    </Box>
  );
}

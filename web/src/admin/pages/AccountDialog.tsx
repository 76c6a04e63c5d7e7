/** Add an anthropic_api or mock account, or edit one's credential, URL, limits and models. */
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import { useState } from 'react';
import type { Account } from '../admin-api';
import { useAdminT } from '../i18n';

export const ADDABLE_KINDS = ['anthropic_api', 'mock'] as const;

const listOf = (text: string) => {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : null;
};

export function AccountDialog({
  account,
  onSave,
  onClose,
}: {
  /** Undefined: a new account. */
  account?: Account;
  onSave(body: Record<string, unknown>): Promise<unknown>;
  onClose(): void;
}) {
  const t = useAdminT();
  const [kind, setKind] = useState<string>(account?.kind ?? 'anthropic_api');
  const [name, setName] = useState(account?.name ?? '');
  const [apiKey, setApiKey] = useState('');
  const [baseUrl, setBaseUrl] = useState(account?.baseUrl ?? '');
  const [maxConcurrency, setMaxConcurrency] = useState(String(account?.maxConcurrency ?? 8));
  const [priority, setPriority] = useState(String(account?.priority ?? 10));
  const [models, setModels] = useState(account?.models?.join(', ') ?? '');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const save = () => {
    const common = {
      maxConcurrency: Number(maxConcurrency),
      priority: Number(priority),
      models: listOf(models),
      ...(apiKey ? { apiKey } : {}),
    };
    const body = account
      ? { ...common, baseUrl: baseUrl || null }
      : { ...common, kind, name, ...(baseUrl ? { baseUrl } : {}) };
    setBusy(true);
    onSave(body).then(onClose, (e: unknown) => {
      setBusy(false);
      setError(e instanceof Error ? e.message : String(e));
    });
  };

  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm">
      <DialogTitle>{account ? `${t('accounts.edit')}: ${account.name}` : t('accounts.add')}</DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
        {error && <Alert severity="error">{t('form.failed', { message: error })}</Alert>}
        {!account && (
          <>
            <TextField select label={t('col.kind')} value={kind} onChange={(e) => setKind(e.target.value)}>
              {ADDABLE_KINDS.map((k) => (
                <MenuItem key={k} value={k}>
                  {k}
                </MenuItem>
              ))}
            </TextField>
            <TextField
              label={t('col.name')}
              value={name}
              onChange={(e) => setName(e.target.value)}
              slotProps={{ htmlInput: { 'data-testid': 'account-name' } }}
            />
          </>
        )}
        {(account?.kind ?? kind) === 'anthropic_api' && (
          <>
            <TextField
              type="password"
              label={account ? t('accounts.apiKeyKeep') : t('accounts.apiKey')}
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
              autoComplete="off"
            />
            <TextField
              label={t('accounts.baseUrl')}
              value={baseUrl}
              onChange={(e) => setBaseUrl(e.target.value)}
            />
          </>
        )}
        <TextField
          type="number"
          label={t('accounts.maxConcurrency')}
          value={maxConcurrency}
          onChange={(e) => setMaxConcurrency(e.target.value)}
        />
        <TextField
          type="number"
          label={t('accounts.priority')}
          value={priority}
          onChange={(e) => setPriority(e.target.value)}
        />
        <TextField label={t('accounts.models')} value={models} onChange={(e) => setModels(e.target.value)} />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('form.cancel')}</Button>
        <Button variant="contained" disabled={busy} onClick={save} data-testid="account-save">
          {t('form.save')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

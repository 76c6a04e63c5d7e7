/** The limit fields of a key (its own, or the default for new keys), and the dialog that edits a key's. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { LIMIT_NAMES, type ApiKey, type LimitName, type Limits } from '../admin-api';
import { useAdminT, type AdminT } from '../i18n';
import { errorText } from './format';

const LABELS: Record<LimitName, Parameters<AdminT>[0]> = {
  requestsPerMinute: 'keys.rpm',
  tokensPerMinute: 'keys.tpm',
  maxConcurrency: 'keys.maxConcurrency',
  usdPerDay: 'keys.usdPerDay',
  usdPerMonth: 'keys.usdPerMonth',
  tokensPerDay: 'keys.tokensPerDay',
  tokensPerMonth: 'keys.tokensPerMonth',
};

/** The form's text per limit; empty means no limit. */
export type LimitDraft = Partial<Record<LimitName, string>>;

export const draftOf = (limits: Limits): LimitDraft =>
  Object.fromEntries(LIMIT_NAMES.filter((n) => limits[n] !== undefined).map((n) => [n, String(limits[n])]));

/** The limits a draft means; the server validates the numbers (and says which one is wrong). */
export const limitsOf = (draft: LimitDraft): Limits =>
  Object.fromEntries(
    LIMIT_NAMES.filter((n) => (draft[n] ?? '').trim() !== '').map((n) => [n, Number(draft[n])]),
  );

export function LimitFields({
  draft,
  onChange,
  testId,
}: {
  draft: LimitDraft;
  onChange(draft: LimitDraft): void;
  testId: string;
}) {
  const t = useAdminT();
  return (
    <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(190px, 1fr))', gap: 2 }}>
      {LIMIT_NAMES.map((name) => (
        <TextField
          key={name}
          size="small"
          type="number"
          label={t(LABELS[name])}
          value={draft[name] ?? ''}
          onChange={(e) => onChange({ ...draft, [name]: e.target.value })}
          slotProps={{ htmlInput: { 'data-testid': `${testId}-${name}`, min: 0 } }}
        />
      ))}
    </Box>
  );
}

export function KeyLimitsDialog({
  apiKey,
  onSave,
  onClose,
}: {
  apiKey: ApiKey;
  onSave(patch: { limits: Limits; models?: string[] | null }): Promise<unknown>;
  onClose(): void;
}) {
  const t = useAdminT();
  const [draft, setDraft] = useState(() => draftOf(apiKey.limits));
  const originalModels = (apiKey.models ?? []).join(', ');
  const [models, setModels] = useState(originalModels);
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const save = () => {
    const list = models
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    setSaving(true);
    // Models only when changed: an owner restricted to some models cannot give a key all of them.
    onSave({
      limits: limitsOf(draft),
      ...(models === originalModels ? {} : { models: list.length ? list : null }),
    })
      .then(onClose, (e: unknown) => setError(errorText(e)))
      .finally(() => setSaving(false));
  };
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="md">
      <DialogTitle>{t('keys.editTitle', { name: apiKey.name })}</DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
        {error && <Alert severity="error">{t('form.failed', { message: error })}</Alert>}
        <Typography variant="body2" color="text.secondary">
          {t('keys.limitsHelp')}
        </Typography>
        <LimitFields draft={draft} onChange={setDraft} testId="key-limit" />
        <TextField
          size="small"
          label={t('keys.models')}
          value={models}
          onChange={(e) => setModels(e.target.value)}
          slotProps={{ htmlInput: { 'data-testid': 'key-limit-models' } }}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('form.cancel')}</Button>
        <Button variant="contained" onClick={save} disabled={saving} data-testid="key-limits-save">
          {t('form.save')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

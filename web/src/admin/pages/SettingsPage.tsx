/** /admin/settings: registration, the compliance switch and new keys' default limits (each change audited). */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import Paper from '@mui/material/Paper';
import Switch from '@mui/material/Switch';
import Typography from '@mui/material/Typography';
import { useState, type ReactNode } from 'react';
import { useResource } from '../../api/use-resource';
import { Failed, Loading } from '../../components/StateViews';
import type { AdminApi, GatewaySettings, SettingValues } from '../admin-api';
import { useAdminT } from '../i18n';
import { errorText } from './format';
import { draftOf, LimitFields, limitsOf, type LimitDraft } from './KeyLimitsDialog';
import { ActionMessage, type ActionOutcome } from './ActionMessage';

function Section({ children, testId }: { children: ReactNode; testId: string }) {
  return (
    <Paper variant="outlined" sx={{ p: 2, mb: 2 }} data-testid={testId}>
      {children}
    </Paper>
  );
}

export function SettingsPage({ api }: { api: AdminApi }) {
  const [loaded, reload] = useResource(() => api.settings(), 'settings');
  if (loaded.status === 'loading') return <Loading />;
  if (loaded.status === 'error') return <Failed message={loaded.message} onRetry={reload} />;
  return <SettingsForm api={api} initial={loaded.data} />;
}

function SettingsForm({ api, initial }: { api: AdminApi; initial: GatewaySettings }) {
  const t = useAdminT();
  const [settings, setSettings] = useState(initial);
  const [draft, setDraft] = useState<LimitDraft>(() => draftOf(initial.values.defaultKeyLimits));
  const [message, setMessage] = useState<ActionOutcome>();
  const [saving, setSaving] = useState(false);
  const save = (patch: Partial<SettingValues>) => {
    setSaving(true);
    api
      .updateSettings(patch)
      .then(
        (updated) => {
          setSettings(updated);
          setDraft(draftOf(updated.values.defaultKeyLimits));
          setMessage({ ok: true, text: t('settings.saved') });
        },
        (e: unknown) => setMessage({ ok: false, text: t('form.failed', { message: errorText(e) }) }),
      )
      .finally(() => setSaving(false));
  };
  const source = (key: keyof SettingValues) => {
    const meta = settings.meta[key];
    return meta.source === 'default' || !meta.updatedAt
      ? t('settings.fromDefault')
      : t('settings.changedAt', { at: new Date(meta.updatedAt).toLocaleString() });
  };
  const toggle = (key: 'registrationOpen' | 'anthropicApiOnly', label: string, help: string) => (
    <Section testId={`setting-${key}`}>
      <FormControlLabel
        control={
          <Switch
            checked={settings.values[key]}
            disabled={saving}
            onChange={(e) => save({ [key]: e.target.checked })}
            data-testid={`switch-${key}`}
          />
        }
        label={label}
      />
      <Typography variant="body2" color="text.secondary">
        {help}
      </Typography>
      <Typography variant="caption" color="text.secondary">
        {source(key)}
      </Typography>
    </Section>
  );
  const excluded = settings.values.anthropicApiOnly ? settings.excludedAccounts : [];
  return (
    <Box sx={{ maxWidth: 900 }}>
      <ActionMessage message={message} onClose={() => setMessage(undefined)} testId="settings-message" />
      {toggle('registrationOpen', t('settings.registration'), t('settings.registrationHelp'))}
      {toggle('anthropicApiOnly', t('settings.compliance'), t('settings.complianceHelp'))}
      {excluded.length > 0 && (
        <Alert severity="warning" sx={{ mb: 2 }} data-testid="settings-excluded">
          {t('settings.excluded', { names: excluded.map((a) => `${a.name} (${a.kind})`).join(', ') })}
        </Alert>
      )}
      <Section testId="setting-defaultKeyLimits">
        <Typography variant="subtitle1">{t('settings.defaultLimits')}</Typography>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
          {t('settings.defaultLimitsHelp')}
        </Typography>
        <LimitFields draft={draft} onChange={setDraft} testId="default-limit" />
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mt: 2 }}>
          <Button
            variant="contained"
            disabled={saving}
            data-testid="default-limits-save"
            onClick={() => save({ defaultKeyLimits: limitsOf(draft) })}
          >
            {t('form.save')}
          </Button>
          <Typography variant="caption" color="text.secondary">
            {source('defaultKeyLimits')}
          </Typography>
        </Box>
      </Section>
    </Box>
  );
}

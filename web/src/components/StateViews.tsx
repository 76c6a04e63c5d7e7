/** The three states every page shows besides its content: loading, empty and failed. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Typography from '@mui/material/Typography';
import { useI18n } from '../i18n';

export function Loading({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <Box role="status" sx={{ display: 'flex', alignItems: 'center', gap: 1, p: 2, color: 'text.secondary' }}>
      <CircularProgress size={18} />
      <Typography variant="body2">{label ?? t('state.loading')}</Typography>
    </Box>
  );
}

export function Empty({ text }: { text: string }) {
  return (
    <Typography variant="body2" color="text.secondary" sx={{ p: 2 }} data-testid="empty-state">
      {text}
    </Typography>
  );
}

export function Failed({ message, onRetry }: { message: string; onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <Alert
      severity="error"
      sx={{ m: 2 }}
      action={
        onRetry ? (
          <Button color="inherit" size="small" onClick={onRetry}>
            {t('state.retry')}
          </Button>
        ) : undefined
      }
    >
      {t('state.error', { message })}
    </Alert>
  );
}

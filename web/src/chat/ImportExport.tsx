import { useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import IconButton from '@mui/material/IconButton';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { IMPORT_MAX_BYTES, type HistoryApi, type ImportReport } from '../api/history-api';
import { DownloadIcon, UploadIcon } from '../components/icons';
import { useI18n } from '../i18n';

type Outcome =
  { status: 'busy' } | { status: 'done'; report: ImportReport } | { status: 'failed'; message: string };

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** "Export all" and "Import" for the conversation list's header, and the import's report. */
export function ImportExport(props: {
  api: Pick<HistoryApi, 'exportAll' | 'importFile'>;
  onImported(): void;
}) {
  const { t } = useI18n();
  const picker = useRef<HTMLInputElement>(null);
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const [exportError, setExportError] = useState<string | undefined>();

  const importFile = async (file: File) => {
    if (file.size > IMPORT_MAX_BYTES) {
      setOutcome({
        status: 'failed',
        message: t('history.tooLarge', { size: (file.size / 1_048_576).toFixed(1) }),
      });
      return;
    }
    setOutcome({ status: 'busy' });
    try {
      const report = await props.api.importFile(file);
      setOutcome({ status: 'done', report });
      if (report.imported.conversations > 0) props.onImported();
    } catch (error) {
      setOutcome({ status: 'failed', message: t('history.importFailed', { message: messageOf(error) }) });
    }
  };

  return (
    <>
      <Tooltip title={t('history.exportAll')}>
        <IconButton
          size="small"
          aria-label={t('history.exportAll')}
          data-testid="export-all"
          onClick={() => props.api.exportAll().catch((error: unknown) => setExportError(messageOf(error)))}
        >
          <DownloadIcon fontSize="small" />
        </IconButton>
      </Tooltip>
      <Tooltip title={t('history.import')}>
        <IconButton
          size="small"
          aria-label={t('history.import')}
          data-testid="import-button"
          onClick={() => picker.current?.click()}
        >
          <UploadIcon fontSize="small" />
        </IconButton>
      </Tooltip>
      <input
        ref={picker}
        type="file"
        accept="application/json,.json"
        hidden
        data-testid="import-file"
        onChange={(event) => {
          const file = event.target.files?.[0];
          // Cleared, so picking the same file again imports it again.
          event.target.value = '';
          if (file) void importFile(file);
        }}
      />
      {exportError && (
        <Alert severity="error" onClose={() => setExportError(undefined)} sx={{ mx: 1 }}>
          {t('state.error', { message: exportError })}
        </Alert>
      )}
      <Dialog
        open={outcome !== undefined}
        onClose={() => outcome?.status !== 'busy' && setOutcome(undefined)}
        fullWidth
        maxWidth="sm"
      >
        <DialogTitle>
          {outcome?.status === 'busy' ? t('history.importing') : t('history.importDone')}
        </DialogTitle>
        <DialogContent data-testid="import-report">
          {outcome?.status === 'busy' && <CircularProgress size={24} />}
          {outcome?.status === 'failed' && <Alert severity="error">{outcome.message}</Alert>}
          {outcome?.status === 'done' && <Report report={outcome.report} />}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOutcome(undefined)} disabled={outcome?.status === 'busy'}>
            {t('history.close')}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}

function Report({ report }: { report: ImportReport }) {
  const { t } = useI18n();
  const { imported } = report;
  return (
    <Box>
      <Alert severity={imported.conversations > 0 ? 'success' : 'warning'} data-testid="import-summary">
        {t('history.imported', {
          conversations: String(imported.conversations),
          messages: String(imported.messages),
          attachments: String(imported.attachments),
        })}
      </Alert>
      {report.conversations.length > 0 && (
        <Box component="ul" sx={{ my: 1, pl: 3 }}>
          {report.conversations.map((c) => (
            <Typography component="li" variant="body2" key={c.id}>
              {c.title ?? t('chat.untitled')}
            </Typography>
          ))}
        </Box>
      )}
      {report.skipped.length > 0 && (
        <Box sx={{ mt: 1 }} data-testid="import-skipped">
          <Typography variant="body2">{t('history.skipped')}</Typography>
          <Box component="ul" sx={{ my: 0.5, pl: 3 }}>
            {report.skipped.map((s) => (
              <Typography component="li" variant="body2" key={s.index}>
                {t('history.skippedItem', {
                  number: String(s.index + 1),
                  title: s.title ?? t('chat.untitled'),
                  reason: s.reason,
                })}
              </Typography>
            ))}
          </Box>
        </Box>
      )}
    </Box>
  );
}

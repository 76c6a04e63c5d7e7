import { useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import IconButton from '@mui/material/IconButton';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import { ATTACHABLE_TYPES } from '../api/attachments-api';
import type { ChatModel } from '../api/chat-api';
import type { AttachmentRef } from '../api/chat-socket';
import type { Resource } from '../api/use-resource';
import { AttachIcon, SendIcon, StopIcon } from '../components/icons';
import { useI18n } from '../i18n';
import { PendingAttachments } from './Attachments';
import type { ShownAttachment } from './chat-state';
import { usePendingAttachments } from './use-pending-attachments';

export interface ComposerProps {
  models: Resource<ChatModel[]>;
  model: string;
  onModel(model: string): void;
  streaming: boolean;
  onSend(text: string, attachments: ShownAttachment[]): void;
  onStop(): void;
  /** Uploads a picked file (POST /api/chat/attachments); without it, files cannot be attached. */
  onUpload?: (file: File) => Promise<AttachmentRef>;
}

const noUpload = () => Promise.reject(new Error('uploads are not available'));

export function Composer(props: ComposerProps) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const files = usePendingAttachments(props.onUpload ?? noUpload, t);
  const picker = useRef<HTMLInputElement>(null);
  const models = props.models.status === 'ready' ? props.models.data : [];
  const noModel = props.models.status === 'ready' && models.length === 0;
  const hasContent = text.trim() !== '' || files.ready.length > 0;
  const canSend = hasContent && !files.uploading && Boolean(props.model);
  const send = () => {
    if (!canSend || props.streaming) return;
    props.onSend(text, files.ready);
    setText('');
    files.clear();
  };
  return (
    <Box
      sx={{ p: 2, borderTop: 1, borderColor: 'divider', display: 'flex', flexDirection: 'column', gap: 1 }}
      onDragOver={(e) => {
        if (props.onUpload && e.dataTransfer.types.includes('Files')) e.preventDefault();
      }}
      onDrop={(e) => {
        if (!props.onUpload || e.dataTransfer.files.length === 0) return;
        e.preventDefault();
        files.add(e.dataTransfer.files);
      }}
      data-testid="composer"
    >
      <TextField
        select
        size="small"
        label={t('chat.model')}
        value={models.some((m) => m.id === props.model) ? props.model : ''}
        onChange={(e) => props.onModel(e.target.value)}
        disabled={models.length === 0}
        helperText={
          noModel ? t('chat.noModels') : props.models.status === 'error' ? props.models.message : undefined
        }
        error={noModel || props.models.status === 'error'}
        sx={{ maxWidth: 360 }}
        slotProps={{ htmlInput: { 'data-testid': 'model-picker' } }}
      >
        {models.map((m) => (
          <MenuItem key={m.id} value={m.id}>
            {m.displayName}
            {m.simulated && !/simulated/i.test(m.displayName) ? ` (${t('chat.simulated')})` : ''}
          </MenuItem>
        ))}
      </TextField>
      {files.errors.map((message, index) => (
        <Alert
          key={`${index}:${message}`}
          severity="error"
          onClose={() => files.dismiss(index)}
          data-testid="attachment-error"
        >
          {message}
        </Alert>
      ))}
      <PendingAttachments items={files.items} onRemove={files.remove} />
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-end' }}>
        {props.onUpload && (
          <>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              accept={ATTACHABLE_TYPES.join(',')}
              data-testid="attach-input"
              onChange={(e) => {
                if (e.target.files) files.add(e.target.files);
                e.target.value = '';
              }}
            />
            <Tooltip title={t('chat.attach')}>
              <IconButton
                aria-label={t('chat.attach')}
                onClick={() => picker.current?.click()}
                data-testid="attach-button"
              >
                <AttachIcon />
              </IconButton>
            </Tooltip>
          </>
        )}
        <TextField
          fullWidth
          multiline
          maxRows={10}
          placeholder={t('chat.placeholder')}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onPaste={(e) => {
            // Pasted screenshots and copied files attach; pasted text stays text.
            if (!props.onUpload || e.clipboardData.files.length === 0) return;
            e.preventDefault();
            files.add(e.clipboardData.files);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              send();
            }
          }}
          slotProps={{ htmlInput: { 'data-testid': 'composer-input', maxLength: 100_000 } }}
        />
        {props.streaming ? (
          <Button
            variant="outlined"
            color="error"
            startIcon={<StopIcon />}
            onClick={props.onStop}
            data-testid="stop-button"
          >
            {t('chat.stop')}
          </Button>
        ) : (
          <Button
            variant="contained"
            startIcon={<SendIcon />}
            onClick={send}
            disabled={!canSend}
            data-testid="send-button"
          >
            {t('chat.send')}
          </Button>
        )}
      </Box>
    </Box>
  );
}

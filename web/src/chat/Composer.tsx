import { useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import type { ChatModel } from '../api/chat-api';
import type { Resource } from '../api/use-resource';
import { SendIcon, StopIcon } from '../components/icons';
import { useI18n } from '../i18n';

export interface ComposerProps {
  models: Resource<ChatModel[]>;
  model: string;
  onModel(model: string): void;
  streaming: boolean;
  onSend(text: string): void;
  onStop(): void;
}

export function Composer(props: ComposerProps) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const models = props.models.status === 'ready' ? props.models.data : [];
  const noModel = props.models.status === 'ready' && models.length === 0;
  const send = () => {
    if (!text.trim() || props.streaming || !props.model) return;
    props.onSend(text);
    setText('');
  };
  return (
    <Box
      sx={{ p: 2, borderTop: 1, borderColor: 'divider', display: 'flex', flexDirection: 'column', gap: 1 }}
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
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-end' }}>
        <TextField
          fullWidth
          multiline
          maxRows={10}
          placeholder={t('chat.placeholder')}
          value={text}
          onChange={(e) => setText(e.target.value)}
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
            disabled={!text.trim() || !props.model}
            data-testid="send-button"
          >
            {t('chat.send')}
          </Button>
        )}
      </Box>
    </Box>
  );
}

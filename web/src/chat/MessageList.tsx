import { lazy, Suspense, useEffect, useRef } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { useI18n } from '../i18n';
import { MessageAttachments, type AttachmentLoader } from './Attachments';
import type { ChatMessage } from './chat-state';
import { messageElementId } from './use-focus-message';

const Markdown = lazy(() => import('../markdown/Markdown'));

/** Until the Markdown chunk arrives, the text shows as typed (React escapes it like any text). */
const Plain = ({ text }: { text: string }) => <Box sx={{ whiteSpace: 'pre-wrap' }}>{text}</Box>;

export function MessageList({
  messages,
  attachments,
}: {
  messages: readonly ChatMessage[];
  /** Loads stored files for display; without it, stored images show as their names. */
  attachments?: AttachmentLoader;
}) {
  const { t } = useI18n();
  const end = useRef<HTMLDivElement>(null);
  const last = messages[messages.length - 1];
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [messages.length, last?.text]);
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2, p: 2 }}>
      {messages.map((m) => (
        <Box
          key={m.key}
          id={messageElementId(m.key)}
          data-testid={`message-${m.role}`}
          data-state={m.state ?? 'none'}
          sx={{
            alignSelf: m.role === 'user' ? 'flex-end' : 'stretch',
            maxWidth: m.role === 'user' ? '80%' : '100%',
          }}
        >
          <Typography variant="caption" color="text.secondary">
            {m.role === 'user' ? t('chat.you') : t('chat.assistant')}
          </Typography>
          <Paper
            variant="outlined"
            sx={{ p: 1.5, bgcolor: m.role === 'user' ? 'action.hover' : 'background.paper' }}
          >
            {m.attachments && m.attachments.length > 0 && (
              <MessageAttachments attachments={m.attachments} loader={attachments} />
            )}
            {/* The question is shown exactly as typed; answers are Markdown. */}
            {m.role === 'user' ? (
              <Plain text={m.text} />
            ) : (
              <Suspense fallback={<Plain text={m.text} />}>
                <Markdown text={m.text} />
              </Suspense>
            )}
            {m.state === 'streaming' && m.text === '' && (
              <Typography variant="body2" color="text.secondary">
                …
              </Typography>
            )}
            {m.state === 'streaming' && m.interrupted && (
              <Typography variant="body2" color="warning.main" data-testid="answer-reconnecting">
                {t('chat.reconnecting')}
              </Typography>
            )}
            {m.state === 'stopped' && <Chip size="small" label={t('chat.stopped')} sx={{ mt: 1 }} />}
            {m.state === 'error' && (
              <Alert severity={m.resumeFailed ? 'warning' : 'error'} sx={{ mt: 1 }}>
                {m.resumeFailed ? t('chat.resumeFailed') : t('chat.failed', { message: m.error ?? '' })}
              </Alert>
            )}
          </Paper>
        </Box>
      ))}
      <div ref={end} />
    </Box>
  );
}

import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Divider from '@mui/material/Divider';
import { chatApi, type StoredMessage } from '../api/chat-api';
import { useAuth } from '../api/auth';
import { useResource } from '../api/use-resource';
import { ConversationList } from '../chat/ConversationList';
import { HistoryPanel } from '../chat/HistoryPanel';
import { useFocusMessage } from '../chat/use-focus-message';
import { historyApi } from '../api/history-api';
import { Composer } from '../chat/Composer';
import { MessageList } from '../chat/MessageList';
import { chatReducer, streamingAnswer, type ShownAttachment } from '../chat/chat-state';
import { useChatSocket } from '../chat/use-chat-socket';
import { useResumeRecovery } from '../chat/use-resume-recovery';
import { attachmentLoader } from '../chat/attachment-loader';
import { uploadAttachment } from '../api/attachments-api';
import { AddIcon } from '../components/icons';
import { Empty, Failed, Loading } from '../components/StateViews';
import { useI18n } from '../i18n';
import { conversationIdOf, navigate, usePath } from '../router';

const MODEL_KEY = 'switchyard.model';
const NO_MESSAGES: StoredMessage[] = [];

export function ChatPage() {
  const auth = useAuth();
  const { t } = useI18n();
  const selectedId = conversationIdOf(usePath());
  const tokenOf = useRef(auth.token);
  tokenOf.current = auth.token;
  const api = useMemo(() => chatApi(() => tokenOf.current()), []);
  const archive = useMemo(() => historyApi(() => tokenOf.current()), []);

  const [conversations, reloadConversations] = useResource(api.list, 'conversations');
  const [models] = useResource(api.models, 'models');
  const [model, setModel] = useState(() => localStorage.getItem(MODEL_KEY) ?? '');
  useEffect(() => {
    if (models.status !== 'ready') return;
    const first = models.data[0];
    if (first && !models.data.some((m) => m.id === model)) setModel(first.id);
  }, [models, model]);
  const chooseModel = (id: string) => {
    localStorage.setItem(MODEL_KEY, id);
    setModel(id);
  };

  const [history, reloadHistory] = useResource(
    () => (selectedId ? api.messages(selectedId) : Promise.resolve(NO_MESSAGES)),
    selectedId ?? 'none',
  );
  const [messages, dispatch] = useReducer(chatReducer, []);
  // A search result opens its conversation at the message (docs/chat-history.md).
  const focusMessage = useFocusMessage(messages);
  useEffect(() => {
    if (history.status === 'ready') dispatch({ type: 'loaded', messages: history.data });
  }, [history]);

  const recover = useResumeRecovery(reloadHistory, streamingAnswer(messages) !== undefined);
  const { socket, status } = useChatSocket(
    auth.token,
    (event) => {
      dispatch({ type: 'event', event });
      // A first answer names the conversation; finished ones reorder the list.
      if (event.type === 'done' || event.type === 'error') reloadConversations();
      if (event.type === 'resume_failed') recover();
    },
    () => void auth.signOut(),
  );
  // Answers under way show they are waiting for the socket (it resumes them when it is back).
  useEffect(() => dispatch({ type: 'connection', status }), [status]);
  const loader = useMemo(() => attachmentLoader(() => tokenOf.current()), []);

  // A question waits until its conversation's history is on screen, so loading cannot wipe it.
  const [pending, setPending] = useState<
    { conversationId: string; text: string; attachments: ShownAttachment[] } | undefined
  >();
  useEffect(() => {
    if (!pending || pending.conversationId !== selectedId || history.status !== 'ready') return;
    setPending(undefined);
    const ref = crypto.randomUUID();
    dispatch({ type: 'asked', ref, text: pending.text, attachments: pending.attachments });
    socket.current
      ?.send({
        ref,
        conversationId: pending.conversationId,
        model,
        content: pending.text,
        attachments: pending.attachments.map((a) => a.id),
      })
      .catch((error: unknown) =>
        dispatch({
          type: 'event',
          event: { type: 'rejected', ref, error: { type: 'api_error', message: String(error) } },
        }),
      );
  }, [pending, selectedId, history.status, model, socket]);

  const [actionError, setActionError] = useState<string | undefined>();
  const act = useCallback(
    (work: Promise<unknown>) =>
      work.then(
        () => reloadConversations(),
        (error: unknown) => setActionError(error instanceof Error ? error.message : String(error)),
      ),
    [reloadConversations],
  );

  const newChat = async () => {
    try {
      const created = await api.create();
      reloadConversations();
      navigate(`/c/${created.id}`);
      return created.id;
    } catch (error) {
      setActionError(error instanceof Error ? error.message : String(error));
      return undefined;
    }
  };
  const send = async (text: string, attachments: ShownAttachment[]) => {
    const conversationId = selectedId ?? (await newChat());
    if (conversationId) setPending({ conversationId, text, attachments });
  };
  const streaming = streamingAnswer(messages);

  return (
    <Box sx={{ display: 'flex', flex: 1, minHeight: 0 }}>
      <Box
        component="nav"
        sx={{ width: 280, flexShrink: 0, borderRight: 1, borderColor: 'divider', overflowY: 'auto' }}
      >
        <Box sx={{ p: 1.5 }}>
          <Button
            fullWidth
            variant="outlined"
            startIcon={<AddIcon />}
            onClick={() => void newChat()}
            data-testid="new-chat"
          >
            {t('chat.newChat')}
          </Button>
        </Box>
        <Divider />
        <HistoryPanel
          api={archive}
          onImported={reloadConversations}
          onOpen={(conversationId, messageId) => {
            focusMessage(messageId);
            navigate(`/c/${conversationId}`);
          }}
        >
          <ConversationList
            conversations={conversations}
            selectedId={selectedId}
            onSelect={(id) => navigate(`/c/${id}`)}
            onRename={(id, title) => void act(api.update(id, { title }))}
            onPin={(id, pinned) => void act(api.update(id, { pinned }))}
            onDelete={(id) => {
              if (id === selectedId) navigate('/');
              void act(api.remove(id));
            }}
            onRetry={reloadConversations}
            onExport={(id, format) => void act(archive.exportOne(id, format))}
          />
        </HistoryPanel>
      </Box>
      <Box component="main" sx={{ flex: 1, display: 'flex', flexDirection: 'column', minWidth: 0 }}>
        {status !== 'open' && (
          <Alert severity={status === 'connecting' ? 'info' : 'warning'} sx={{ borderRadius: 0 }}>
            {status === 'connecting' ? t('chat.connecting') : t('chat.disconnected')}
          </Alert>
        )}
        {actionError && (
          <Alert severity="error" onClose={() => setActionError(undefined)} sx={{ borderRadius: 0 }}>
            {t('state.error', { message: actionError })}
          </Alert>
        )}
        <Box sx={{ flex: 1, overflowY: 'auto' }} data-testid="messages">
          {history.status === 'loading' && selectedId ? (
            <Loading />
          ) : history.status === 'error' ? (
            <Failed message={history.message} onRetry={reloadHistory} />
          ) : messages.length === 0 ? (
            <Empty text={selectedId ? t('chat.empty') : t('chat.pick')} />
          ) : (
            <MessageList messages={messages} attachments={loader} />
          )}
        </Box>
        <Composer
          models={models}
          model={model}
          onModel={chooseModel}
          streaming={streaming !== undefined}
          onSend={(text, attachments) => void send(text, attachments)}
          onUpload={(file) => uploadAttachment(() => tokenOf.current(), file)}
          onStop={() => streaming?.requestId && socket.current?.stop(streaming.requestId)}
        />
      </Box>
    </Box>
  );
}

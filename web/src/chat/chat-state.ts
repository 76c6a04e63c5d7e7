/**
 * The open conversation's messages, stored ones and live ones, as a reducer over the socket's
 * events: testable without a socket or a DOM. Events carry sequence numbers; an answer applies
 * each once, so a replay after a reconnect that overlaps what arrived already changes nothing.
 */
import type { StoredMessage } from '../api/chat-api';
import type { AttachmentRef, ServerEvent, SocketStatus } from '../api/chat-socket';

/** A file shown with a question: the picked file's own preview while it is fresh. */
export interface ShownAttachment extends AttachmentRef {
  previewUrl?: string;
}

export interface ChatMessage {
  key: string;
  role: 'user' | 'assistant';
  text: string;
  state: 'streaming' | 'complete' | 'stopped' | 'error' | null;
  error?: string;
  requestId?: string;
  /** The client's handle for a question not yet acknowledged (`started`). */
  ref?: string;
  attachments?: ShownAttachment[];
  /** The last event applied to this answer. */
  lastSeq?: number;
  /** Streaming, but the socket is down: the answer resumes when it is back. */
  interrupted?: boolean;
  /** The socket came back but could not resume this answer (the page reloads the stored one). */
  resumeFailed?: boolean;
}

export type ChatAction =
  | { type: 'loaded'; messages: StoredMessage[] }
  | { type: 'asked'; ref: string; text: string; attachments?: ShownAttachment[] }
  | { type: 'connection'; status: SocketStatus }
  | { type: 'event'; event: ServerEvent };

export function fromStored(message: StoredMessage): ChatMessage {
  return {
    key: message.id,
    role: message.role,
    text: message.text,
    state: message.state,
    ...(message.error ? { error: message.error.message } : {}),
    ...(message.requestId ? { requestId: message.requestId } : {}),
    ...(message.attachments?.length ? { attachments: message.attachments } : {}),
  };
}

function updateAnswer(messages: ChatMessage[], requestId: string, change: (m: ChatMessage) => ChatMessage) {
  return messages.map((m) => (m.role === 'assistant' && m.requestId === requestId ? change(m) : m));
}

/** Applies an answer's event once: later sequence numbers only. */
function applyOnce(
  messages: ChatMessage[],
  event: { requestId: string; seq: number },
  change: (m: ChatMessage) => ChatMessage,
) {
  return updateAnswer(messages, event.requestId, (m) =>
    m.lastSeq !== undefined && event.seq <= m.lastSeq
      ? m
      : { ...change(m), lastSeq: event.seq, interrupted: false },
  );
}

export function chatReducer(messages: ChatMessage[], action: ChatAction): ChatMessage[] {
  if (action.type === 'loaded') return action.messages.map(fromStored);
  if (action.type === 'asked') {
    return [
      ...messages,
      {
        key: `q-${action.ref}`,
        role: 'user',
        text: action.text,
        state: null,
        ref: action.ref,
        ...(action.attachments?.length ? { attachments: action.attachments } : {}),
      },
      { key: `a-${action.ref}`, role: 'assistant', text: '', state: 'streaming', ref: action.ref },
    ];
  }
  if (action.type === 'connection') {
    const interrupted = action.status !== 'open';
    return messages.some((m) => m.state === 'streaming' && Boolean(m.interrupted) !== interrupted)
      ? messages.map((m) => (m.state === 'streaming' ? { ...m, interrupted } : m))
      : messages;
  }
  const { event } = action;
  switch (event.type) {
    case 'started':
      return messages.map((m) =>
        m.ref === event.ref && m.role === 'assistant' && m.requestId === undefined
          ? { ...m, requestId: event.requestId, lastSeq: event.seq }
          : m,
      );
    case 'delta':
      return applyOnce(messages, event, (m) => ({ ...m, text: m.text + event.text }));
    case 'done':
      return applyOnce(messages, event, (m) => ({ ...m, state: event.state }));
    case 'error':
      return applyOnce(messages, event, (m) => ({ ...m, state: 'error', error: event.error.message }));
    case 'rejected':
      return messages.map((m) =>
        m.ref !== undefined && m.ref === event.ref && m.role === 'assistant'
          ? { ...m, state: 'error', error: event.error.message }
          : m,
      );
    case 'resume_failed':
      return messages.map((m) =>
        m.role === 'assistant' &&
        m.state === 'streaming' &&
        ((event.requestId !== null && m.requestId === event.requestId) ||
          (event.ref !== null && m.ref === event.ref))
          ? { ...m, state: 'error', error: event.error.message, resumeFailed: true, interrupted: false }
          : m,
      );
    default:
      return messages;
  }
}

/** The answer being streamed, if any (the stop button stops it). */
export function streamingAnswer(messages: readonly ChatMessage[]): ChatMessage | undefined {
  return messages.find((m) => m.role === 'assistant' && m.state === 'streaming');
}

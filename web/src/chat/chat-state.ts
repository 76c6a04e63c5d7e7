/**
 * The open conversation's messages, stored ones and live ones, as a reducer over the socket's
 * events: testable without a socket or a DOM.
 */
import type { StoredMessage } from '../api/chat-api';
import type { ServerEvent } from '../api/chat-socket';

export interface ChatMessage {
  key: string;
  role: 'user' | 'assistant';
  text: string;
  state: 'streaming' | 'complete' | 'stopped' | 'error' | null;
  error?: string;
  requestId?: string;
  /** The client's handle for a question not yet acknowledged (`started`). */
  ref?: string;
}

export type ChatAction =
  | { type: 'loaded'; messages: StoredMessage[] }
  | { type: 'asked'; ref: string; text: string }
  | { type: 'event'; event: ServerEvent };

export function fromStored(message: StoredMessage): ChatMessage {
  return {
    key: message.id,
    role: message.role,
    text: message.text,
    state: message.state,
    ...(message.error ? { error: message.error.message } : {}),
    ...(message.requestId ? { requestId: message.requestId } : {}),
  };
}

function updateAnswer(messages: ChatMessage[], requestId: string, change: (m: ChatMessage) => ChatMessage) {
  return messages.map((m) => (m.role === 'assistant' && m.requestId === requestId ? change(m) : m));
}

export function chatReducer(messages: ChatMessage[], action: ChatAction): ChatMessage[] {
  if (action.type === 'loaded') return action.messages.map(fromStored);
  if (action.type === 'asked') {
    return [
      ...messages,
      { key: `q-${action.ref}`, role: 'user', text: action.text, state: null, ref: action.ref },
      { key: `a-${action.ref}`, role: 'assistant', text: '', state: 'streaming', ref: action.ref },
    ];
  }
  const { event } = action;
  switch (event.type) {
    case 'started':
      return messages.map((m) =>
        m.ref === event.ref && m.role === 'assistant' ? { ...m, requestId: event.requestId } : m,
      );
    case 'delta':
      return updateAnswer(messages, event.requestId, (m) => ({ ...m, text: m.text + event.text }));
    case 'done':
      return updateAnswer(messages, event.requestId, (m) => ({ ...m, state: event.state }));
    case 'error':
      return updateAnswer(messages, event.requestId, (m) => ({
        ...m,
        state: 'error',
        error: event.error.message,
      }));
    case 'rejected':
      return messages.map((m) =>
        m.ref !== undefined && m.ref === event.ref && m.role === 'assistant'
          ? { ...m, state: 'error', error: event.error.message }
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

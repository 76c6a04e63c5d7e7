import type { AttachmentRef } from './chat-socket';
import { call } from './client';

export interface Conversation {
  id: string;
  title: string | null;
  pinned: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface StoredMessage {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  model: string | null;
  requestId: string | null;
  state: 'complete' | 'stopped' | 'error' | null;
  error: { type: string; message: string } | null;
  /** Files a question carried (docs/web-chat-resume-uploads.md). */
  attachments?: AttachmentRef[];
  createdAt: string;
}

export interface ChatModel {
  id: string;
  displayName: string;
  simulated: boolean;
}

type Token = () => Promise<string>;

export const chatApi = (token: Token) => ({
  models: () => call<{ data: ChatModel[] }>(token, 'GET', '/api/chat/models').then((r) => r.data),
  list: () => call<{ data: Conversation[] }>(token, 'GET', '/api/conversations').then((r) => r.data),
  create: () => call<Conversation>(token, 'POST', '/api/conversations', {}),
  update: (id: string, patch: { title?: string; pinned?: boolean }) =>
    call<Conversation>(token, 'PATCH', `/api/conversations/${id}`, patch),
  remove: (id: string) => call<void>(token, 'DELETE', `/api/conversations/${id}`),
  messages: (id: string) =>
    call<{ data: StoredMessage[] }>(token, 'GET', `/api/conversations/${id}/messages`).then((r) => r.data),
});
export type ChatApi = ReturnType<typeof chatApi>;

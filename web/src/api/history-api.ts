/**
 * History search, export and import (docs/chat-history.md). Exports are fetched with the access
 * token (it lives in memory, so a plain link could not carry it) and saved through a blob URL.
 */
import { call, errorOf } from './client';

export interface Snippet {
  text: string;
  /** [start, end) in UTF-16 code units of `text`. */
  highlights: Array<{ start: number; end: number }>;
}

export interface SearchResult {
  conversationId: string;
  conversationTitle: string | null;
  messageId: string;
  role: 'user' | 'assistant';
  createdAt: string;
  snippet: Snippet;
}

export interface SearchPage {
  data: SearchResult[];
  match: 'words' | 'substring' | null;
  next_cursor: string | null;
}

export interface ImportReport {
  imported: { conversations: number; messages: number; attachments: number };
  conversations: Array<{ index: number; id: string; title: string | null; messages: number }>;
  skipped: Array<{ index: number; title: string | null; reason: string }>;
}

export type ExportFormat = 'json' | 'markdown';

/** The server's import body limit; a larger file is refused before it is sent. */
export const IMPORT_MAX_BYTES = 32 * 1024 * 1024;

type Token = () => Promise<string>;
const CSRF = { 'x-switchyard-csrf': '1' };

/** The name from `filename*` (UTF-8) or else `filename`; undefined when there is neither. */
export function fileNameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  const exact = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  if (exact) {
    try {
      return decodeURIComponent(exact);
    } catch {
      // fall through to the plain name
    }
  }
  return /filename="([^"]*)"/i.exec(disposition)?.[1];
}

async function download(token: Token, url: string, fallbackName: string): Promise<void> {
  const response = await fetch(url, {
    credentials: 'same-origin',
    headers: { ...CSRF, authorization: `Bearer ${await token()}` },
  });
  if (!response.ok) throw await errorOf(response);
  const blob = await response.blob();
  const href = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = href;
  link.download = fileNameOf(response.headers.get('content-disposition')) ?? fallbackName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The download has started by now; the blob can go once the browser has read it.
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

export const historyApi = (token: Token) => ({
  search: (q: string, cursor?: string | null) => {
    const query = new URLSearchParams({ q });
    if (cursor) query.set('cursor', cursor);
    return call<SearchPage>(token, 'GET', `/api/conversations/search?${query.toString()}`);
  },
  exportOne: (id: string, format: ExportFormat) =>
    download(
      token,
      `/api/conversations/${id}/export?format=${format}`,
      `conversation.${format === 'json' ? 'json' : 'md'}`,
    ),
  exportAll: () => download(token, '/api/conversations/export?format=json', 'switchyard-conversations.json'),
  /** Sends the file's text as it is: the server parses and checks it. */
  importFile: async (file: Blob): Promise<ImportReport> => {
    const response = await fetch('/api/conversations/import', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { ...CSRF, authorization: `Bearer ${await token()}`, 'content-type': 'application/json' },
      body: await file.text(),
    });
    if (!response.ok) throw await errorOf(response);
    return (await response.json()) as ImportReport;
  },
});
export type HistoryApi = ReturnType<typeof historyApi>;

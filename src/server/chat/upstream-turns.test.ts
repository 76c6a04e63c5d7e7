import { describe, expect, it } from 'vitest';
import type { ConversationMessageView } from '../../services/conversation-types.js';
import type { ChatAttachmentRecord } from '../../store/types.js';
import { ATTACHMENT_BUDGET_BYTES, attachmentsToSend, turnsOf } from './upstream-turns.js';

const MiB = 1_048_576;
let ids = 0;
const ref = (size: number, mediaType = 'image/png') => ({
  id: `a${++ids}`,
  name: `f${ids}`,
  mediaType,
  size,
});
function message(
  role: 'user' | 'assistant',
  text: string,
  attachments: ReturnType<typeof ref>[] = [],
): ConversationMessageView {
  return {
    id: `m${++ids}`,
    role,
    text,
    model: null,
    requestId: null,
    state: role === 'assistant' ? 'complete' : null,
    error: null,
    attachments,
    createdAt: new Date().toISOString(),
  };
}
const record = (a: ReturnType<typeof ref>): ChatAttachmentRecord => ({
  ...a,
  userId: 'u',
  conversationId: 'c',
  data: 'AAAA',
  createdAt: new Date(),
});

describe('turnsOf with attachments', () => {
  it('puts files before the text, PDFs as documents with their name, and merges neighbours as blocks', () => {
    const image = ref(10);
    const pdf = ref(10, 'application/pdf');
    const history = [message('user', 'first', [image]), message('user', 'again')];
    const contents = new Map([image, pdf].map((a) => [a.id, record(a)]));
    const turns = turnsOf(history, { text: 'and this?', attachments: [pdf] }, contents);
    expect(turns).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
          { type: 'text', text: 'first' },
          { type: 'text', text: 'again' },
          {
            type: 'document',
            title: pdf.name,
            source: { type: 'base64', media_type: 'application/pdf', data: 'AAAA' },
          },
          { type: 'text', text: 'and this?' },
        ],
      },
    ]);
  });

  it('keeps plain text turns as strings, joined as before', () => {
    const turns = turnsOf([message('assistant', 'hello'), message('user', 'a'), message('user', 'b')], {
      text: 'c',
      attachments: [],
    });
    expect(turns).toEqual([{ role: 'user', content: 'a\n\nb\n\nc' }]);
  });

  it('sends the newest files within the budget and says which older ones were left out', () => {
    const old = ref(12 * MiB);
    const recent = ref(6 * MiB);
    const own = ref(5 * MiB);
    const history = [
      message('user', 'old', [old]),
      message('assistant', 'ok'),
      message('user', 'recent', [recent]),
    ];
    const chosen = attachmentsToSend(history, { text: 'now', attachments: [own] });
    expect([...chosen].sort()).toEqual([own.id, recent.id].sort());
    expect(12 + 6 + 5).toBeGreaterThan(ATTACHMENT_BUDGET_BYTES / MiB);
    const contents = new Map([recent, own].map((a) => [a.id, record(a)]));
    const turns = turnsOf(history, { text: 'now', attachments: [own] }, contents);
    expect(turns[0]?.content).toEqual([
      { type: 'text', text: `[Attachment “${old.name}” is not included in this request.]` },
      { type: 'text', text: 'old' },
    ]);
  });
});

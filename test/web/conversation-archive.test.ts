/**
 * Export (JSON and Markdown) and import of conversations against a real gateway: headers and file
 * names, content verbatim with the files' bytes, a lossless round trip, and import validation
 * with a report of what was imported and what was skipped and why.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, expectError, startAuthGateway, type Injected, type Session } from '../auth/support.js';
import type { TestGateway } from '../support/gateway.js';
import { caller, PNG, seedAttachment, seedConversation } from './history-support.js';

interface ExportedConversation {
  id: string;
  title: string | null;
  pinned: boolean;
  messages: Array<{ role: string; content: Record<string, unknown>; createdAt: string }>;
  attachments?: Array<{ id: string; name: string; mediaType: string; size: number; data: string }>;
}
interface ExportDocument {
  format: string;
  version: number;
  exportedAt: string;
  conversations: ExportedConversation[];
}
interface Report {
  imported: { conversations: number; messages: number; attachments: number };
  conversations: Array<{ index: number; id: string; title: string | null; messages: number }>;
  skipped: Array<{ index: number; title: string | null; reason: string }>;
}

/** Ids are new after an import: replace them by their order of appearance. */
function withoutIds(conversation: ExportedConversation): unknown {
  const fileIds = new Map((conversation.attachments ?? []).map((a, i) => [a.id, `file-${i}`]));
  return {
    ...conversation,
    id: undefined,
    attachments: conversation.attachments?.map((a) => ({ ...a, id: fileIds.get(a.id) })),
    messages: conversation.messages.map((m) => ({
      ...m,
      content: {
        ...m.content,
        ...(Array.isArray(m.content.attachments)
          ? {
              attachments: (m.content.attachments as Array<{ id: string }>).map((a) => ({
                ...a,
                id: fileIds.get(a.id) ?? 'missing',
              })),
            }
          : {}),
      },
    })),
  };
}

let gateway: TestGateway;
let alice: Session;
let bob: Session;
let call: ReturnType<typeof caller>;
const json = <T>(response: Injected): T => JSON.parse(response.body) as T;
let planId: string;
let fileRef: { id: string; name: string; mediaType: string; size: number };

beforeAll(async () => {
  gateway = await startAuthGateway();
  const client = api(gateway);
  alice = await client.userWithRole('member');
  bob = await client.userWithRole('member');
  call = caller(gateway, alice);
  const plan = await seedConversation(gateway, alice.userId, '部署计划 "v2"', []);
  planId = plan.id;
  fileRef = await seedAttachment(gateway, alice.userId, planId, 'diagram.png');
  const at = new Date('2026-03-02T08:00:00.000Z');
  const ids = Array.from({ length: 6 }, () => randomUUID()).sort();
  // Six messages in the same millisecond: only the ids keep their order.
  for (const [i, content] of [
    { text: 'Here is the diagram', attachments: [fileRef] },
    {
      text: 'Use this:\n\n```ts\nconst x = 1;\n```\n',
      model: 'claude-haiku-4-5',
      requestId: 'req_1',
      state: 'complete',
    },
    { text: 'And a long one?' },
    {
      text: 'Partial:\n```python\nprint(1',
      model: 'claude-haiku-4-5',
      state: 'stopped',
      stopReason: 'stopped',
    },
    { text: 'Again?' },
    { text: '', state: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
  ].entries()) {
    await gateway.runtime.store.conversations.appendMessage({
      id: ids[i] as string,
      conversationId: planId,
      role: i % 2 === 0 ? 'user' : 'assistant',
      content,
      createdAt: at,
    });
  }
  await gateway.runtime.store.conversations.updateOwned(planId, alice.userId, { pinned: true });
  await seedConversation(gateway, alice.userId, 'Second', [{ text: 'hello' }, { text: 'hi there' }]);
  await seedConversation(gateway, bob.userId, 'Bob only', [{ text: 'not for alice' }]);
});
afterAll(() => gateway?.close());

describe('export', () => {
  it('exports one conversation as JSON: verbatim content, the files with their bytes, a named attachment', async () => {
    const response = await call('GET', `/api/conversations/${planId}/export?format=json`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    const disposition = String(response.headers['content-disposition']);
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+\.json"; filename\*=UTF-8''/);
    expect(decodeURIComponent(disposition.split("UTF-8''")[1] ?? '')).toMatch(
      /^部署计划 -v2--\d{4}-\d\d-\d\d\.json$/,
    );
    const doc = json<ExportDocument>(response);
    expect(doc).toMatchObject({ format: 'switchyard.conversations', version: 1 });
    expect(Date.parse(doc.exportedAt)).not.toBeNaN();
    const [conversation] = doc.conversations as [ExportedConversation];
    expect(conversation).toMatchObject({ id: planId, title: '部署计划 "v2"', pinned: true });
    expect(conversation.messages.map((m) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(conversation.messages[1]?.content).toEqual({
      text: 'Use this:\n\n```ts\nconst x = 1;\n```\n',
      model: 'claude-haiku-4-5',
      requestId: 'req_1',
      state: 'complete',
    });
    expect(conversation.messages[0]?.content).toEqual({
      text: 'Here is the diagram',
      attachments: [fileRef],
    });
    expect(conversation.attachments).toEqual([
      { ...fileRef, createdAt: expect.any(String), data: PNG.toString('base64') },
    ]);
  });

  it('exports Markdown to read: roles as headings, code kept, files named and not inlined', async () => {
    const response = await call('GET', `/api/conversations/${planId}/export?format=markdown`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(String(response.headers['content-disposition'])).toMatch(/\.md"; filename\*=/);
    const markdown = response.body;
    expect(markdown.startsWith('# 部署计划 "v2"\n')).toBe(true);
    expect(markdown).toContain('## User · 2026-03-02 08:00 UTC');
    expect(markdown).toContain('## Assistant · claude-haiku-4-5 · 2026-03-02 08:00 UTC');
    expect(markdown).toContain('```ts\nconst x = 1;\n```');
    expect(markdown).toContain('> 📎 diagram.png (image/png, 70 B)');
    expect(markdown).not.toContain(PNG.toString('base64').slice(0, 20));
    // The stopped answer's open fence is closed before the next heading.
    expect(markdown).toMatch(/print\(1\n```\n\n> _Stopped before the end\._/);
    expect(markdown).toContain('> _The answer failed: Overloaded_');
  });

  it("exports all of one's own conversations, and nobody else's", async () => {
    const response = await call('GET', '/api/conversations/export');
    expect(response.statusCode).toBe(200);
    expect(String(response.headers['content-disposition'])).toMatch(
      /filename="switchyard-conversations-\d{4}-\d\d-\d\d\.json"/,
    );
    const doc = json<ExportDocument>(response);
    expect(doc.conversations.map((c) => c.title)).toEqual(['部署计划 "v2"', 'Second']);
    expect(response.body).not.toContain('not for alice');
    const markdown = await call('GET', '/api/conversations/export?format=markdown');
    expect(markdown.body).toContain('# Second');
    expectError(await call('GET', '/api/conversations/export?format=pdf'), 400, 'invalid_request_error');
    expectError(await call('GET', `/api/conversations/${randomUUID()}/export`), 404, 'not_found_error');
  });
});

describe('import', () => {
  it('imports an export back losslessly, as new conversations, and reports what it made', async () => {
    const exported = await call('GET', '/api/conversations/export');
    const original = json<ExportDocument>(exported);
    const response = await call('POST', '/api/conversations/import', exported.body);
    expect(response.statusCode, response.body).toBe(200);
    const report = json<Report>(response);
    expect(report.imported).toEqual({ conversations: 2, messages: 8, attachments: 1 });
    expect(report.skipped).toEqual([]);
    expect(report.conversations.map((c) => [c.index, c.title, c.messages])).toEqual([
      [0, '部署计划 "v2"', 6],
      [1, 'Second', 2],
    ]);
    for (const { index, id } of report.conversations) {
      expect(original.conversations.map((c) => c.id)).not.toContain(id);
      const again = json<ExportDocument>(await call('GET', `/api/conversations/${id}/export`));
      const [copy] = again.conversations as [ExportedConversation];
      expect(copy.id).toBe(id);
      expect(withoutIds(copy)).toEqual(withoutIds(original.conversations[index] as ExportedConversation));
    }
    // The copy's file is a new one, owned by the importer, with the same bytes.
    const [planCopy] = json<ExportDocument>(
      await call('GET', `/api/conversations/${report.conversations[0]?.id}/export`),
    ).conversations as [ExportedConversation];
    const copiedFile = planCopy.attachments?.[0];
    expect(copiedFile?.id).not.toBe(fileRef.id);
    expect(planCopy.messages[0]?.content.attachments).toEqual([{ ...fileRef, id: copiedFile?.id }]);
    const stored = await gateway.runtime.store.chatAttachments.getOwned(copiedFile?.id ?? '', alice.userId);
    expect(stored).toMatchObject({
      conversationId: report.conversations[0]?.id,
      data: PNG.toString('base64'),
    });
    // Imported messages are searchable like the rest.
    const found = await call('GET', '/api/conversations/search?q=diagram');
    expect(
      json<{ data: Array<{ conversationId: string }> }>(found)
        .data.map((r) => r.conversationId)
        .sort(),
    ).toEqual([planId, report.conversations[0]?.id].sort());
  });

  it("imports into the caller's own history only", async () => {
    const exported = await call('GET', `/api/conversations/${planId}/export`);
    const bobs = caller(gateway, bob);
    const report = json<Report>(await bobs('POST', '/api/conversations/import', exported.body));
    expect(report.imported.conversations).toBe(1);
    const id = report.conversations[0]?.id ?? '';
    expect((await gateway.runtime.store.conversations.getOwned(id, bob.userId))?.title).toBe('部署计划 "v2"');
    expect(await gateway.runtime.store.conversations.getOwned(id, alice.userId)).toBeUndefined();
    expect((await bobs('GET', `/api/conversations/${id}/messages`)).statusCode).toBe(200);
  });
});

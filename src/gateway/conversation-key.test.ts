import { UNRESTRICTED } from './call.js';
import { describe, expect, it } from 'vitest';
import type { MessagesCall } from './call.js';
import { conversationKey } from './conversation-key.js';

type Request = MessagesCall['request'];

function call(request: Partial<Request>, extra: Partial<MessagesCall> = {}): MessagesCall {
  return {
    requestId: 'req_1',
    operation: 'messages',
    body: Buffer.alloc(0),
    request: { model: 'm', messages: [{ role: 'user', content: 'hello' }], ...request } as Request,
    principal: { apiKeyId: 'key-1', userId: 'user-1', access: UNRESTRICTED },
    anthropicVersion: undefined,
    anthropicBeta: undefined,
    sessionId: undefined,
    startedAt: 0,
    deadline: 0,
    ...extra,
  };
}

describe('conversationKey', () => {
  it("prefers Claude Code's session id, then metadata.user_id, scoped to the API key", () => {
    expect(conversationKey(call({ metadata: { user_id: 'u' } }, { sessionId: 's1' }))).toBe('s:key-1:s1');
    expect(conversationKey(call({ metadata: { user_id: 'u' } }))).toBe('u:key-1:u');
  });

  it('hashes how the conversation began: later turns keep the key, a different start changes it', () => {
    const first = { role: 'user' as const, content: [{ type: 'text', text: 'plan a trip' }] };
    const turn1 = conversationKey(call({ system: 'be brief', messages: [first] }));
    const turn3 = conversationKey(
      call({
        system: 'be brief',
        messages: [first, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'and then?' }],
      }),
    );
    expect(turn1).toMatch(/^h:[A-Za-z0-9_-]{43}$/);
    expect(turn3).toBe(turn1);
    expect(conversationKey(call({ system: 'be verbose', messages: [first] }))).not.toBe(turn1);
    expect(
      conversationKey(call({ system: 'be brief', messages: [{ role: 'user', content: 'plan a tri' }] })),
    ).not.toBe(turn1);
    const otherKey = conversationKey(
      call(
        { system: 'be brief', messages: [first] },
        { principal: { apiKeyId: 'key-2', userId: 'user-1', access: UNRESTRICTED } },
      ),
    );
    expect(otherKey).not.toBe(turn1);
  });

  it('tells images apart by size and leading bytes, without hashing them whole', () => {
    const image = (data: string) => ({
      role: 'user' as const,
      content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data } }],
    });
    const a = conversationKey(call({ messages: [image('A'.repeat(1000))] }));
    expect(conversationKey(call({ messages: [image('A'.repeat(1000))] }))).toBe(a);
    expect(conversationKey(call({ messages: [image('A'.repeat(1001))] }))).not.toBe(a);
    expect(conversationKey(call({ messages: [image('B' + 'A'.repeat(999))] }))).not.toBe(a);
  });
});

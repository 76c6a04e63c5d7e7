import { describe, expect, it } from 'vitest';
import { countInputTokens, lastUserTexts, textsOf } from './request-text.js';

describe('countInputTokens', () => {
  it('is ceil(characters / 4) over system and messages, at least 1', () => {
    expect(countInputTokens(undefined, [{ role: 'user', content: 'abcd' }])).toBe(1);
    expect(countInputTokens(undefined, [{ role: 'user', content: 'abcde' }])).toBe(2);
    expect(countInputTokens(undefined, [{ role: 'user', content: '' }])).toBe(1);
    expect(countInputTokens('12345678', [{ role: 'user', content: 'abcd' }])).toBe(3);
  });

  it('counts text blocks, system blocks, tool inputs and tool results', () => {
    const system = [{ type: 'text', text: 'x'.repeat(8) }];
    const messages = [
      { role: 'user', content: [{ type: 'text', text: 'y'.repeat(4) }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'n', input: { a: 1 } }] },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'zz' }] }],
      },
    ];
    // 8 + 4 + '{"a":1}'.length (7) + 2 = 21 → 6
    expect(countInputTokens(system, messages)).toBe(6);
  });
});

describe('lastUserTexts', () => {
  it('returns the texts of the last user message, skipping assistant and system turns', () => {
    const messages = [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'reply' },
      {
        role: 'user',
        content: [{ type: 'text', text: 'a' }, { type: 'image' }, { type: 'text', text: 'b' }],
      },
      { role: 'system', content: 'mid-conversation system text' },
    ];
    expect(lastUserTexts(messages)).toEqual(['a', 'b']);
    expect(lastUserTexts([{ role: 'assistant', content: 'x' }])).toEqual([]);
    expect(textsOf('plain')).toEqual(['plain']);
  });
});

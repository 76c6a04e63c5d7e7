import { describe, expect, it } from 'vitest';
import { escapeUserContent, extendHistory, historyKey, planOf, type PlainMessage } from './request-plan.js';

const body = (json: unknown) => Buffer.from(JSON.stringify(json));
const base = { model: 'claude-haiku-4-5-20251001', max_tokens: 100 };

describe('planOf', () => {
  it('reads model, system prompt, sampling and the turns', () => {
    const result = planOf(
      body({
        ...base,
        system: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
        temperature: 0.5,
        thinking: { type: 'enabled', budget_tokens: 2000 },
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
          { role: 'user', content: 'again' },
        ],
      }),
    );
    if (!result.ok) throw new Error(result.reason);
    expect(result.plan.systemPrompt).toBe('a\n\nb');
    expect(result.plan.parameters).toMatchObject({ maxTokens: 100, temperature: 0.5, thinkingBudget: 2000 });
    expect(result.plan.prior).toHaveLength(2);
    expect(result.plan.next).toEqual({ role: 'user', content: 'again' });
    expect(result.plan.priorKey).not.toBe('');
  });

  it.each([
    [{ tools: [{ name: 'x', input_schema: { type: 'object' } }] }, '`tools` is set'],
    [{ tool_choice: { type: 'auto' } }, '`tool_choice` is set'],
    [
      {
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'prefill' },
        ],
      },
      'assistant prefill',
    ],
    [
      { messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: 'r' }] }] },
      "type 'tool_result'",
    ],
    [{ thinking: { type: 'adaptive' } }, "thinking of type 'adaptive'"],
  ])('refuses what the CLI cannot serve faithfully (%#)', (fields, reason) => {
    const result = planOf(body({ ...base, messages: [{ role: 'user', content: 'hi' }], ...fields }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('accepts an empty tools list (it asks for nothing the CLI lacks)', () => {
    expect(planOf(body({ ...base, tools: [], messages: [{ role: 'user', content: 'hi' }] })).ok).toBe(true);
  });
});

describe('history keys', () => {
  it('match whether content is a string or blocks, with or without cache markers', () => {
    const a: PlainMessage[] = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'text', text: 'hello', citations: null }] },
    ];
    const b: PlainMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] },
      { role: 'assistant', content: 'hello' },
    ];
    expect(historyKey(a)).toBe(historyKey(b));
    expect(historyKey([])).toBe('');
    expect(extendHistory(historyKey(a), { role: 'user', content: 'x' })).not.toBe(
      extendHistory(historyKey(a), { role: 'user', content: 'y' }),
    );
  });
});

describe('escapeUserContent', () => {
  it('puts leading slashes in a block of their own so no local command runs', () => {
    expect(escapeUserContent('/cost')).toEqual([
      { type: 'text', text: '/' },
      { type: 'text', text: 'cost' },
    ]);
    expect(
      escapeUserContent([{ type: 'text', text: '//compact now', cache_control: { type: 'ephemeral' } }]),
    ).toEqual([
      { type: 'text', text: '//' },
      { type: 'text', text: 'compact now', cache_control: { type: 'ephemeral' } },
    ]);
  });

  it('leaves everything else as it is', () => {
    expect(escapeUserContent('hello /cost')).toBe('hello /cost');
    expect(escapeUserContent('/')).toBe('/');
    const blocks = [{ type: 'text', text: 'a/b' }];
    expect(escapeUserContent(blocks)).toBe(blocks);
  });
});

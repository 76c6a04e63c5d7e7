import { describe, expect, it } from 'vitest';
import { modelValueSpan, withModel } from './body-model.js';

const rewrite = (json: string, model = 'claude-sonnet-4-6') => withModel(Buffer.from(json), model).toString();

describe('withModel', () => {
  it('replaces only the top-level model value, keeping every other byte', () => {
    const body = '{ "model" : "sonnet",\n "max_tokens":8,"messages":[{"role":"user","content":"é ✓"}]}';
    expect(rewrite(body)).toBe(
      '{ "model" : "claude-sonnet-4-6",\n "max_tokens":8,"messages":[{"role":"user","content":"é ✓"}]}',
    );
  });

  it('ignores model keys nested deeper and "model" inside strings', () => {
    const body = JSON.stringify({
      metadata: { model: 'nested' },
      tools: [{ name: 'x', input_schema: { properties: { model: { type: 'string' } } } }],
      messages: [{ role: 'user', content: '{"model":"fake"}' }],
      model: 'opus',
      system: 'model',
    });
    const out = JSON.parse(rewrite(body, 'claude-opus-4-7')) as Record<string, unknown>;
    expect(out).toEqual({ ...(JSON.parse(body) as object), model: 'claude-opus-4-7' });
  });

  it('takes the last of duplicate model keys, as JSON.parse does', () => {
    const out = rewrite('{"model":"a","x":1,"model":"haiku"}', 'claude-haiku-4-5');
    expect(out).toBe('{"model":"a","x":1,"model":"claude-haiku-4-5"}');
    expect((JSON.parse(out) as { model: string }).model).toBe('claude-haiku-4-5');
  });

  it('finds a key spelled with escapes and values with escaped quotes', () => {
    expect(rewrite('{"a":"say \\"model\\"","mod\\u0065l":"x"}', 'y')).toBe(
      '{"a":"say \\"model\\"","mod\\u0065l":"y"}',
    );
  });

  it('falls back to re-serialising when the model value is not a string', () => {
    expect(modelValueSpan(Buffer.from('{"model":{"id":"x"}}'))).toBeUndefined();
    expect(JSON.parse(rewrite('{"model":{"id":"x"},"n":1}', 'z'))).toEqual({ model: 'z', n: 1 });
    expect(modelValueSpan(Buffer.from('["model"]'))).toBeUndefined();
  });
});

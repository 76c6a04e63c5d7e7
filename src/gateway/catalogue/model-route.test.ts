import { describe, expect, it } from 'vitest';
import { UNRESTRICTED, type MessagesCall } from '../call.js';
import { Catalogue } from './catalogue.js';
import { FallbackChain, resolveCallModel } from './model-route.js';
import { SHIPPED_ALIASES, SHIPPED_MODELS } from './shipped.js';

const catalogue = () => new Catalogue({ models: SHIPPED_MODELS, aliases: SHIPPED_ALIASES });

function call(model: string, modelFallback = false): MessagesCall {
  const body = Buffer.from(
    JSON.stringify({ model, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
  );
  return {
    requestId: 'req_1',
    operation: 'messages',
    body,
    request: { model, messages: [{ role: 'user', content: 'hi' }] },
    principal: { apiKeyId: 'k', userId: 'u', access: { ...UNRESTRICTED, modelFallback } },
    anthropicVersion: undefined,
    anthropicBeta: undefined,
    sessionId: undefined,
    startedAt: 0,
    deadline: Date.now() + 1000,
  };
}

const modelIn = (body: Buffer) => (JSON.parse(body.toString()) as { model: string }).model;

describe('resolveCallModel', () => {
  it('leaves a canonical id and its body untouched (the same Buffer)', () => {
    const c = call('claude-sonnet-4-6');
    const body = c.body;
    expect(resolveCallModel(c, catalogue())).toBeUndefined();
    expect(c.body).toBe(body);
    expect(c.request.model).toBe('claude-sonnet-4-6');
  });

  it('passes unknown names through unchanged', () => {
    const c = call('gpt-4o');
    expect(resolveCallModel(c, catalogue())).toBeUndefined();
    expect(c.request.model).toBe('gpt-4o');
  });

  it('resolves an alias and rewrites the model in the body sent upstream', () => {
    const c = call('opus');
    expect(resolveCallModel(c, catalogue())).toBe('opus');
    expect(c.request.model).toBe('claude-opus-4-7');
    expect(modelIn(c.body)).toBe('claude-opus-4-7');
  });
});

describe('FallbackChain', () => {
  it('applies only to keys that opted in, and only to models with a chain', () => {
    expect(FallbackChain.of(call('claude-opus-4-7'), catalogue())).toBeUndefined();
    expect(FallbackChain.of(call('claude-haiku-4-5', true), catalogue())).toBeUndefined();
    expect(FallbackChain.of(call('claude-opus-4-7', true), catalogue())?.models).toEqual([
      'claude-opus-4-7',
      'claude-sonnet-4-6',
      'claude-haiku-4-5',
    ]);
  });

  it('picks the first model some account can serve now, else the requested one', () => {
    const c = call('claude-opus-4-7', true);
    const chain = FallbackChain.of(c, catalogue());
    if (!chain) throw new Error('expected a chain');
    expect(chain.pick(() => true)).toBe('claude-opus-4-7');
    expect(chain.pick((m) => m !== 'claude-opus-4-7')).toBe('claude-sonnet-4-6');
    expect(chain.pick((m) => m === 'claude-haiku-4-5')).toBe('claude-haiku-4-5');
    expect(chain.pick(() => false)).toBe('claude-opus-4-7');
  });

  it('makes a body per fallback model once, and leaves the requested body alone', () => {
    const c = call('claude-opus-4-7', true);
    const chain = FallbackChain.of(c, catalogue());
    if (!chain) throw new Error('expected a chain');
    expect(chain.bodyFor('claude-opus-4-7')).toBe(c.body);
    const sonnet = chain.bodyFor('claude-sonnet-4-6');
    expect(modelIn(sonnet)).toBe('claude-sonnet-4-6');
    expect(chain.bodyFor('claude-sonnet-4-6')).toBe(sonnet);
  });

  it('leaves out fallback models the key may not use', () => {
    const chain = FallbackChain.of(
      call('claude-opus-4-7', true),
      catalogue(),
      (_p, m) => m !== 'claude-sonnet-4-6',
    );
    expect(chain?.models).toEqual(['claude-opus-4-7', 'claude-haiku-4-5']);
    expect(FallbackChain.of(call('claude-opus-4-7', true), catalogue(), () => false)).toBeUndefined();
  });
});

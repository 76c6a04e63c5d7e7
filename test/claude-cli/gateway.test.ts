import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushUsage } from '../support/gateway.js';
import { cliAccount, MOCK_TEXT, MODEL, startCliRig, textOf, withoutReminder, type CliRig } from './rig.js';

/** Messages through the gateway, served by the real `claude` CLI against the mock upstream. */
describe('claude_cli accounts serve the Messages API', () => {
  let rig: CliRig;

  beforeAll(async () => {
    rig = await startCliRig((url) => [cliAccount('cli-a', url)]);
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('answers a non-streaming request with one Messages response and records usage', async () => {
    const message = await rig.client.messages.create({
      model: MODEL,
      max_tokens: 300,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.content[0]?.type).toBe('text');
    expect(textOf(message.content as unknown as Record<string, unknown>[])).toContain(MOCK_TEXT);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBe(20);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    const upstream = await rig.lastRequest();
    expect(upstream.tools).toEqual([]);
    expect(upstream.max_tokens).toBe(300);
    expect(upstream.system.map((b) => b.text)).toContain('You are terse.');
    await flushUsage(rig.gateway);
    const rows = await rig.gateway.runtime.store.usage.list();
    expect(rows.some((r) => r.status === 200 && r.outputTokens === 20 && r.inputTokens > 0)).toBe(true);
  });

  it('streams Anthropic SSE events the SDK assembles into the same answer', async () => {
    const stream = rig.client.messages.stream({
      model: MODEL,
      max_tokens: 300,
      messages: [{ role: 'user', content: 'hello [[mock words=7]]' }],
    });
    const deltas: string[] = [];
    stream.on('text', (text) => deltas.push(text));
    const message = await stream.finalMessage();
    expect(deltas.length).toBe(7);
    expect(deltas.join('')).toBe('Hello from the Switchyard mock upstream: these');
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBe(7);
  });

  it('maps max_tokens, temperature, top_k and stop_sequences to the CLI', async () => {
    // Sampling fields this SDK version no longer types; the API still takes them.
    const params = {
      model: MODEL,
      max_tokens: 5,
      temperature: 0.25,
      top_k: 7,
      stop_sequences: ['zebra'],
      messages: [{ role: 'user', content: 'count' }],
    } as unknown as Anthropic.MessageCreateParamsNonStreaming;
    const message = await rig.client.messages.create(params);
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage.output_tokens).toBe(5);
    const upstream = await rig.lastRequest();
    expect(upstream.max_tokens).toBe(5);
    expect(upstream.temperature).toBe(0.25);
    expect(upstream.top_k).toBe(7);
    expect(upstream.stop_sequences).toEqual(['zebra']);
    // The CLI's own continuation after max_tokens was stopped: only the client's turn went upstream.
    expect(upstream.messages).toHaveLength(1);
    expect(withoutReminder(upstream.messages[0]?.content ?? '')).toEqual([{ type: 'text', text: 'count' }]);
    await rig.settled();
  });
});

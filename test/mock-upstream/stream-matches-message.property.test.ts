import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VOCABULARY } from '../../src/upstreams/mock/answer.js';
import { client, MODEL, useMockUpstream } from './helpers.js';

describe('property: a streamed answer equals the non-streamed one', () => {
  const mock = useMockUpstream();

  it('for any words, max_tokens and stop sequence, deltas add up to the message text and usage matches', async () => {
    const anthropic = client(mock.server.url);
    const stopSequence = fc.option(
      fc
        .constantFrom(...VOCABULARY)
        .chain((word) => fc.integer({ min: 1, max: word.length }).map((length) => word.slice(0, length))),
      { nil: undefined },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 80 }),
        stopSequence,
        async (words, maxTokens, stop) => {
          const params = {
            model: MODEL,
            max_tokens: maxTokens,
            messages: [{ role: 'user' as const, content: `question [[mock words=${words}]]` }],
            ...(stop === undefined ? {} : { stop_sequences: [stop] }),
          };
          const message = await anthropic.messages.create(params);
          const stream = anthropic.messages.stream(params);
          const deltas: string[] = [];
          stream.on('text', (delta) => deltas.push(delta));
          const streamed = await stream.finalMessage();

          const block = message.content[0];
          const text = block?.type === 'text' ? block.text : '';
          expect(deltas.join('')).toBe(text);
          expect(streamed.usage.output_tokens).toBe(message.usage.output_tokens);
          expect(streamed.usage.input_tokens).toBe(message.usage.input_tokens);
          expect(message.usage.output_tokens).toBe(deltas.length);
          expect(deltas.length).toBeLessThanOrEqual(Math.min(words, maxTokens));
          expect(streamed.stop_reason).toBe(message.stop_reason);
          if (stop === undefined) expect(deltas.length).toBe(Math.min(words, maxTokens));
        },
      ),
      { numRuns: 40 },
    );
  });
});

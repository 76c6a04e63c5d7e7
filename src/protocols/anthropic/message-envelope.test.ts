import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readMessageEnvelope } from './message-envelope.js';

const usage = fc.record(
  {
    input_tokens: fc.nat(),
    output_tokens: fc.nat(),
    cache_read_input_tokens: fc.nat(),
    service_tier: fc.string(),
    server_tool_use: fc.record({ web_search_requests: fc.nat() }),
  },
  { requiredKeys: ['input_tokens', 'output_tokens'] },
);

/** Text that tries hard to look like the keys the reader looks for. */
const trickyText = fc.oneof(
  fc.string(),
  fc.constantFrom('"usage":{"input_tokens":999}}', '\\"usage\\":{', '}}}', '{"model":"x"}', '"usage"'),
);

const message = fc.record({
  id: fc.string(),
  model: fc.stringMatching(/^[a-z0-9.-]{1,40}$/),
  content: fc.array(
    fc.oneof(
      fc.record({ type: fc.constant('text'), text: trickyText }),
      fc.record({
        type: fc.constant('tool_use'),
        id: fc.string(),
        name: fc.string(),
        input: fc.record({ usage: fc.record({ input_tokens: fc.nat() }), note: trickyText }),
      }),
    ),
  ),
  stop_reason: fc.constantFrom('end_turn', 'max_tokens', null),
  usage,
});

function layout(m: Record<string, unknown>, indent: number): Buffer {
  const ordered = {
    id: m['id'],
    type: 'message',
    role: 'assistant',
    model: m['model'],
    content: m['content'],
    stop_reason: m['stop_reason'],
    stop_sequence: null,
    usage: m['usage'],
  };
  return Buffer.from(JSON.stringify(ordered, null, indent || undefined));
}

describe('readMessageEnvelope', () => {
  it('reads exactly what a full parse reads, whatever the content holds', () => {
    fc.assert(
      fc.property(message, fc.constantFrom(0, 2), (m, indent) => {
        const body = layout(m, indent);
        const full = JSON.parse(body.toString('utf8')) as { model: string; usage: unknown };
        const envelope = readMessageEnvelope(body);
        expect(envelope).toBeDefined();
        expect(envelope!.model).toBe(full.model);
        expect(JSON.parse(envelope!.usageJson)).toEqual(full.usage);
      }),
    );
  });

  it('gives up on any other layout, so the caller parses the whole body', () => {
    const usageFirst =
      '{"id":"m","type":"message","role":"assistant","model":"x","usage":{"input_tokens":1},"content":[]}';
    const nestedLast =
      '{"id":"m","type":"message","role":"assistant","model":"x","content":[],"extra":{"usage":{"input_tokens":1}}}';
    const otherOrder =
      '{"type":"message","id":"m","role":"assistant","model":"x","usage":{"input_tokens":1}}';
    const notMessage = '{"type":"error","error":{"type":"api_error","message":"no"}}';
    const cut = '{"id":"m","type":"message","role":"assistant","model":"x","usage":{"input_tokens":1';
    const trailing =
      '{"id":"m","type":"message","role":"assistant","model":"x","usage":{"input_tokens":1}} x';
    for (const text of [usageFirst, nestedLast, otherOrder, notMessage, cut, trailing, '', '{']) {
      expect(readMessageEnvelope(Buffer.from(text)), text).toBeUndefined();
    }
  });

  it('reads a usage object holding strings with braces and escaped quotes', () => {
    const body = Buffer.from(
      '{"id":"m","type":"message","role":"assistant","model":"claude-x","content":[],' +
        '"usage":{"input_tokens":3,"note":"a \\"}\\" {","output_tokens":4}}\n',
    );
    const envelope = readMessageEnvelope(body);
    expect(envelope?.model).toBe('claude-x');
    expect(JSON.parse(envelope!.usageJson)).toEqual({ input_tokens: 3, note: 'a "}" {', output_tokens: 4 });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PING_EVENT, SseParser, encodeSseEvent, type SseEvent } from './sse.js';

interface Block {
  event: string;
  lines: string[];
  comment: boolean;
}

/** Text without line breaks, with multi-byte characters well represented. */
const lineText = fc
  .array(
    fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom('é', '中文', '😀', '€', ' ')),
    {
      maxLength: 5,
    },
  )
  .map((parts) => parts.join('').replace(/[\r\n]/g, ''));

const block = fc.record({
  event: fc.stringMatching(/^[a-z_]{1,16}$/),
  lines: fc.array(lineText, { minLength: 1, maxLength: 3 }),
  comment: fc.boolean(),
});

function encode(blocks: Block[], eol: string): Buffer {
  const text = blocks
    .map((b) =>
      [...(b.comment ? [': keep-alive'] : []), `event: ${b.event}`, ...b.lines.map((l) => `data: ${l}`)]
        .map((line) => line + eol)
        .join(''),
    )
    .join(eol);
  return Buffer.from(text + eol);
}

/** Cuts the bytes at the given offsets (any offset: inside a character or a CRLF). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const offsets = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const offset of offsets) {
    chunks.push(bytes.subarray(from, offset));
    from = offset;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

function parse(chunks: Buffer[], wanted?: ReadonlySet<string>): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser(wanted, (event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return events;
}

describe('SseParser', () => {
  it('yields the same events however the byte stream is split', () => {
    fc.assert(
      fc.property(
        fc.array(block, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.nat(), { maxLength: 40 }),
        (blocks, eol, cuts) => {
          const bytes = encode(blocks, eol);
          const expected = blocks.map((b) => ({ event: b.event, data: b.lines.join('\n') }));
          expect(parse([bytes])).toEqual(expected);
          expect(parse(split(bytes, cuts))).toEqual(expected);
          expect(parse([...bytes].map((byte) => Buffer.from([byte])))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hands over only the wanted events, however the stream is split', () => {
    fc.assert(
      fc.property(
        fc.array(block, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (blocks, cuts) => {
          const wanted = new Set(blocks.filter((_, i) => i % 2 === 0).map((b) => b.event));
          const bytes = encode(blocks, '\n');
          const expected = blocks
            .filter((b) => wanted.has(b.event))
            .map((b) => ({ event: b.event, data: b.lines.join('\n') }));
          expect(parse(split(bytes, cuts), wanted)).toEqual(expected);
        },
      ),
    );
  });

  it('reads back what encodeSseEvent writes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const events = parse([Buffer.from(encodeSseEvent('message_delta', value))]);
        expect(events).toHaveLength(1);
        expect(JSON.parse(events[0]!.data)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
    expect(parse([Buffer.from(PING_EVENT)])).toEqual([{ event: 'ping', data: '{"type":"ping"}' }]);
  });

  it('flushes a last event that has no blank line after it, and skips blocks without data', () => {
    expect(parse([Buffer.from('event: a\ndata: 1\n\nevent: b\n\nevent: c\ndata: 3')])).toEqual([
      { event: 'a', data: '1' },
      { event: 'c', data: '3' },
    ]);
  });

  it('names an event without an event line "message", and keeps a second space of data', () => {
    expect(parse([Buffer.from('data:x\n\ndata:  y\n\n')])).toEqual([
      { event: 'message', data: 'x' },
      { event: 'message', data: ' y' },
    ]);
  });
});

describe('SseParser name-only events', () => {
  it('reports counted events without their data, and others in full', () => {
    const events: SseEvent[] = [];
    const parser = new SseParser(new Set(['a', 'b']), (event) => events.push(event), new Set(['b']));
    parser.push('event: a\ndata: {"x":1}\n\nevent: b\ndata: big\n\nevent: c\ndata: skipped\n\n');
    parser.end();
    expect(events).toEqual([
      { event: 'a', data: '{"x":1}' },
      { event: 'b', data: '' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { SseEventSplitter, withEventId } from '../../src/cluster/result-wire.js';

describe('SseEventSplitter', () => {
  it('cuts a byte stream into whole events whatever the chunking', () => {
    const text = 'event: a\ndata: 1\n\nevent: b\r\ndata: 2\r\n\r\n: comment\n\nevent: c\ndata: 3\n\n';
    for (const size of [1, 2, 3, 7, 100]) {
      const splitter = new SseEventSplitter();
      const events: string[] = [];
      for (let i = 0; i < text.length; i += size) {
        for (const event of splitter.push(Buffer.from(text.slice(i, i + size))))
          events.push(event.toString());
      }
      expect(splitter.rest()).toBeUndefined();
      expect(events).toEqual([
        'event: a\ndata: 1\n\n',
        'event: b\r\ndata: 2\r\n\r\n',
        ': comment\n\n',
        'event: c\ndata: 3\n\n',
      ]);
    }
  });

  it('keeps an unfinished event as the rest', () => {
    const splitter = new SseEventSplitter();
    expect(splitter.push(Buffer.from('event: a\ndata: 1\n\nevent: b\ndata'))).toHaveLength(1);
    expect(splitter.rest()?.toString()).toBe('event: b\ndata');
  });

  it('puts the id line first', () => {
    expect(withEventId(7, Buffer.from('event: a\ndata: 1\n\n')).toString()).toBe(
      'id: 7\nevent: a\ndata: 1\n\n',
    );
  });
});

import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisStreamHub, type RawStreamEntry } from './redis-stream-hub.js';

const entry = (seq: number, kind = 'data'): RawStreamEntry => [
  Buffer.from(`${seq}-0`),
  [Buffer.from('k'), Buffer.from(kind), Buffer.from('d'), Buffer.from(`e${seq}`)],
];
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => entry(from + i));

/**
 * A blocking connection whose XREAD replies the test hands out one at a time, recording the ids
 * each read started from: the interleavings that real Redis produces only now and then.
 */
function scriptedConnections() {
  const reads: Array<{ from: string[]; reply: (value: unknown) => void }> = [];
  let arrived: (() => void) | undefined;
  const blocking = {
    on() {},
    client: async () => 7,
    xreadBuffer: (...args: unknown[]) =>
      new Promise((reply) => {
        const streams = args.indexOf('STREAMS');
        const rest = args.slice(streams + 1) as string[];
        reads.push({ from: rest.slice(rest.length / 2), reply });
        arrived?.();
      }),
  };
  // CLIENT UNBLOCK "fails" (returns 0): the read in flight still returns, as when the reply was
  // already on its way.
  const command = { client: async () => 0 };
  const nextRead = async () => {
    while (reads.length === 0) await new Promise<void>((resolve) => (arrived = resolve));
    return reads.shift()!;
  };
  const readsWaiting = () => reads.length;
  return {
    blocking: blocking as unknown as Redis,
    command: command as unknown as Redis,
    nextRead,
    readsWaiting,
  };
}

describe('RedisStreamHub', () => {
  it('gives a follower that joins behind another, mid-read, every entry: no false truncation', async () => {
    const { blocking, command, nextRead } = scriptedConnections();
    const hub = new RedisStreamHub(command, blocking);
    const ahead = hub.follow('s', 's', 12, new AbortController().signal);
    const aheadFirst = ahead.next();
    const firstRead = await nextRead();
    expect(firstRead.from).toEqual(['12-0']);

    // A resume from 9 joins while the read from 12 is in flight, and that read returns 13..15.
    const behind = hub.follow('s', 's', 9, new AbortController().signal);
    const seen: number[] = [];
    const reading = (async () => {
      for await (const e of behind) {
        seen.push(e.seq);
        if (e.kind === 'end') return;
      }
    })();
    await new Promise((resolve) => setImmediate(resolve));
    firstRead.reply([[Buffer.from('s'), range(13, 15)]]);
    expect((await aheadFirst).value?.seq).toBe(13);

    const secondRead = await nextRead();
    expect(secondRead.from).toEqual(['9-0']);
    secondRead.reply([[Buffer.from('s'), [...range(10, 15), entry(16, 'end')]]]);
    await reading;
    expect(seen).toEqual([10, 11, 12, 13, 14, 15, 16]);
    await ahead.return(undefined);
    await hub.close();
  });

  it('drops a follower once its last entry is read: no XREAD is left blocking on a finished stream', async () => {
    const { blocking, command, nextRead, readsWaiting } = scriptedConnections();
    const hub = new RedisStreamHub(command, blocking);
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of hub.follow('s', 's', 0, new AbortController().signal)) seen.push(e.kind);
    })();
    const read = await nextRead();
    read.reply([[Buffer.from('s'), [entry(1, 'head'), entry(2), entry(3, 'end')]]]);
    await reading;
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['head', 'data', 'end']);
    // The next request's follower would otherwise have to CLIENT UNBLOCK that read first.
    expect(readsWaiting()).toBe(0);
    await hub.close();
  });

  it('still reports entries trimmed away from under a follower', async () => {
    const { blocking, command, nextRead } = scriptedConnections();
    const hub = new RedisStreamHub(command, blocking);
    const follower = hub.follow('s', 's', 3, new AbortController().signal);
    const first = follower.next();
    const read = await nextRead();
    expect(read.from).toEqual(['3-0']);
    read.reply([[Buffer.from('s'), range(8, 9)]]); // 4..7 are gone
    await expect(first).rejects.toThrow();
    void hub.close();
    (await nextRead().catch(() => undefined))?.reply(null);
  });
});

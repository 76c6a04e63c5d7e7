import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cancellation } from '../cancel-signal.js';
import { RequestCancelledError } from '../errors.js';
import { newCallSummary, UNRESTRICTED, type MessagesCall } from './call.js';
import { CallBoard, type BoardEntry } from './call-board.js';

function call(requestId: string): MessagesCall {
  return {
    requestId,
    operation: 'messages',
    body: Buffer.from('{}'),
    request: { model: 'claude-sonnet-4-6', messages: [], stream: false },
    principal: { apiKeyId: 'key', userId: 'user', access: UNRESTRICTED },
    anthropicVersion: undefined,
    anthropicBeta: undefined,
    sessionId: undefined,
    startedAt: performance.now(),
    deadline: Date.now() + 60_000,
  };
}

const summary = () => newCallSummary('claude-sonnet-4-6');

const ids = (board: CallBoard) => board.snapshot().map((c) => c.requestId);

describe('CallBoard', () => {
  it('lists calls in arrival order and forgets removed ones, wherever they stood', () => {
    const board = new CallBoard();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((id) => board.add(call(id), summary(), new Cancellation()));
    expect(ids(board)).toEqual(['a', 'b', 'c', 'd']);
    board.remove(b as BoardEntry);
    expect(ids(board)).toEqual(['a', 'c', 'd']);
    board.remove(a as BoardEntry);
    board.remove(d as BoardEntry);
    board.remove(d as BoardEntry); // twice: no effect
    expect(ids(board)).toEqual(['c']);
    expect(board.size).toBe(1);
    board.add(call('e'), summary(), new Cancellation());
    expect(ids(board)).toEqual(['c', 'e']);
    expect(board.snapshot(1).map((x) => x.requestId)).toEqual(['c']);
    board.remove(c as BoardEntry);
    expect(ids(board)).toEqual(['e']);
  });

  it('leaves a removed entry linked to nothing, so it cannot keep later calls alive', () => {
    const board = new CallBoard();
    const first = board.add(call('a'), summary(), new Cancellation());
    const second = board.add(call('b'), summary(), new Cancellation());
    board.add(call('c'), summary(), new Cancellation());
    board.remove(second);
    board.remove(first);
    expect([first.prev, first.next, second.prev, second.next]).toEqual([null, null, null, null]);
  });

  it('cancels a call it holds once, and nothing it does not hold', () => {
    const board = new CallBoard();
    const cancellation = new Cancellation();
    const entry = board.add(call('a'), summary(), cancellation);
    board.add(call('b'), summary(), new Cancellation());
    expect(board.cancel('zzz')).toBe(false);
    expect(board.cancel('a')).toBe(true);
    expect(cancellation.reason).toBeInstanceOf(RequestCancelledError);
    expect(board.cancel('a')).toBe(false);
    board.remove(entry);
    expect(board.cancel('a')).toBe(false);
  });

  it('agrees with an ordered list under any sequence of adds and removes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(20)), { maxLength: 200 }), (steps) => {
        const board = new CallBoard();
        const live: BoardEntry[] = [];
        let next = 0;
        for (const [add, pick] of steps) {
          if (add || live.length === 0)
            live.push(board.add(call(`r${next++}`), summary(), new Cancellation()));
          else board.remove(live.splice(pick % live.length, 1)[0] as BoardEntry);
          expect(board.size).toBe(live.length);
        }
        expect(ids(board)).toEqual(live.map((e) => e.call.requestId));
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { defaultPieces, echoPieces, planAnswer, VOCABULARY } from './answer.js';

describe('defaultPieces', () => {
  it('gives one word per piece, cycling through the vocabulary', () => {
    const pieces = defaultPieces(VOCABULARY.length + 2);
    expect(pieces).toHaveLength(VOCABULARY.length + 2);
    expect(pieces.slice(0, 3)).toEqual(['Hello', ' from', ' the']);
    expect(pieces[VOCABULARY.length]).toBe(' Hello');
    expect(pieces.join('').split(' ')).toHaveLength(VOCABULARY.length + 2);
    expect(defaultPieces(0)).toEqual([]);
  });
});

describe('echoPieces', () => {
  it('splits text into words whose concatenation is the text', () => {
    expect(echoPieces('say  this\nback')).toEqual(['say', '  this', '\nback']);
    expect(echoPieces('')).toEqual([]);
  });
});

describe('planAnswer', () => {
  const pieces = ['one', ' two', ' three', ' four'];

  it('ends the turn when the answer fits', () => {
    expect(planAnswer(pieces, 4)).toEqual({
      pieces,
      text: 'one two three four',
      stopReason: 'end_turn',
      stopSequence: null,
    });
  });

  it('stops after max_tokens words', () => {
    expect(planAnswer(pieces, 2)).toMatchObject({
      pieces: ['one', ' two'],
      text: 'one two',
      stopReason: 'max_tokens',
    });
  });

  it('stops before a stop sequence, mid-word if need be', () => {
    expect(planAnswer(pieces, 10, ['hre'])).toEqual({
      pieces: ['one', ' two', ' t'],
      text: 'one two t',
      stopReason: 'stop_sequence',
      stopSequence: 'hre',
    });
    expect(planAnswer(pieces, 10, [' two'])).toMatchObject({ pieces: ['one'], text: 'one' });
    expect(planAnswer(pieces, 10, ['one'])).toMatchObject({
      pieces: [],
      text: '',
      stopReason: 'stop_sequence',
    });
  });

  it('picks the sequence a left-to-right generator completes first, ignores empty ones', () => {
    expect(planAnswer(pieces, 10, ['', 'one two three', 'two'])).toMatchObject({
      text: 'one ',
      stopSequence: 'two',
    });
    expect(planAnswer(pieces, 10, ['nope'])).toMatchObject({ stopReason: 'end_turn', stopSequence: null });
  });

  it('lets max_tokens win over a stop sequence beyond the cut', () => {
    expect(planAnswer(pieces, 2, ['four'])).toMatchObject({ text: 'one two', stopReason: 'max_tokens' });
  });
});

import { describe, expect, it } from 'vitest';
import { findDirective, stripDirectives } from './directive.js';

describe('findDirective', () => {
  it('reads key=value pairs and bare flags', () => {
    const directive = findDirective(['please [[mock status=429 retry-after=7 echo]] now']);
    expect(directive).toEqual({
      source: '[[mock status=429 retry-after=7 echo]]',
      fields: { status: '429', 'retry-after': '7', echo: true },
      text: 'please now',
    });
  });

  it('finds the first directive across the texts of a message', () => {
    const directive = findDirective([
      '<system-reminder>x</system-reminder>',
      'hi [[mock words=3]]',
      '[[mock hang]]',
    ]);
    expect(directive?.fields).toEqual({ words: '3' });
    expect(directive?.text).toBe('hi');
  });

  it('accepts an empty directive and ignores look-alikes', () => {
    expect(findDirective(['[[mock]]'])?.fields).toEqual({});
    expect(findDirective(['[[mockery]] [mock status=429] [[ mock status=429]]'])).toBeUndefined();
    expect(findDirective(['no directive here'])).toBeUndefined();
    expect(findDirective([])).toBeUndefined();
  });

  it('keeps an empty value as an empty string (so validation can name it)', () => {
    expect(findDirective(['[[mock latency=]]'])?.fields).toEqual({ latency: '' });
  });
});

describe('stripDirectives', () => {
  it('removes every directive and the space before it', () => {
    expect(stripDirectives('[[mock echo]] hello world')).toBe('hello world');
    expect(stripDirectives('hello [[mock echo]] world')).toBe('hello world');
    expect(stripDirectives('hello world [[mock echo]] [[mock words=2]]')).toBe('hello world');
  });
});

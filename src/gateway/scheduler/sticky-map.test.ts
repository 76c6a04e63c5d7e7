import { describe, expect, it } from 'vitest';
import { StickyMap } from './sticky-map.js';

describe('StickyMap', () => {
  it('remembers a binding until its TTL runs out', () => {
    const map = new StickyMap(1_000);
    map.set('conv', 'a', 0);
    expect(map.get('conv', 999)).toBe('a');
    expect(map.get('conv', 1_000)).toBeUndefined();
    expect(map.size).toBe(0);
    expect(map.get('other', 0)).toBeUndefined();
  });

  it('refreshes the TTL when a binding is set again, and moves it to the new account', () => {
    const map = new StickyMap(1_000);
    map.set('conv', 'a', 0);
    map.set('conv', 'a', 800);
    expect(map.get('conv', 1_500)).toBe('a');
    map.set('conv', 'b', 1_500);
    expect(map.get('conv', 2_000)).toBe('b');
    expect(map.size).toBe(1);
  });

  it('drops the least recently set binding past its bound', () => {
    const map = new StickyMap(10_000, 3);
    map.set('one', 'a', 0);
    map.set('two', 'a', 1);
    map.set('three', 'a', 2);
    map.set('one', 'b', 3);
    map.set('four', 'a', 4);
    expect(map.size).toBe(3);
    expect(map.get('two', 5)).toBeUndefined();
    expect(map.get('one', 5)).toBe('b');
    expect(map.get('three', 5)).toBe('a');
    expect(map.get('four', 5)).toBe('a');
  });

  it('keeps the eviction place of a binding refreshed within a tenth of its TTL, and moves an older one', () => {
    const map = new StickyMap(1_000, 2);
    map.set('one', 'a', 0);
    map.set('two', 'a', 1);
    map.set('one', 'a', 50); // recent: expiry moves, place does not
    expect(map.get('one', 1_049)).toBe('a');
    map.set('three', 'a', 60); // evicts the oldest place: 'one'
    expect(map.get('one', 61)).toBeUndefined();
    expect(map.get('two', 61)).toBe('a');

    const later = new StickyMap(1_000, 2);
    later.set('one', 'a', 0);
    later.set('two', 'a', 1);
    later.set('one', 'a', 150); // older than a tenth of the TTL: moves to the back
    later.set('three', 'a', 160);
    expect(later.get('one', 161)).toBe('a');
    expect(later.get('two', 161)).toBeUndefined();

    // Touched without pause, a binding still moves back once per tenth of its TTL.
    const busy = new StickyMap(1_000, 2);
    busy.set('hot', 'a', 0);
    busy.set('idle', 'a', 1);
    for (let now = 0; now <= 150; now += 10) busy.set('hot', 'a', now);
    busy.set('new', 'a', 160);
    expect(busy.get('hot', 161)).toBe('a');
    expect(busy.get('idle', 161)).toBeUndefined();
  });

  it("forgets one account's bindings only", () => {
    const map = new StickyMap(10_000);
    map.set('one', 'a', 0);
    map.set('two', 'b', 0);
    map.set('three', 'a', 0);
    map.forgetAccount('a');
    expect(map.size).toBe(1);
    expect(map.get('two', 1)).toBe('b');
  });
});

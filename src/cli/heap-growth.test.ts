import { describe, expect, it } from 'vitest';
import { heapGrowthFlag } from './heap-growth.js';

describe('heapGrowthFlag', () => {
  it('sets the configured growth, leaves V8 alone at 0, and lets a flag given to node win', () => {
    expect(heapGrowthFlag(100, [])).toBe('--heap-growing-percent=100');
    expect(heapGrowthFlag(0, [])).toBeUndefined();
    expect(heapGrowthFlag(100, ['--heap-growing-percent=30'])).toBeUndefined();
    expect(heapGrowthFlag(100, ['--heap_growing_percent', '30'])).toBeUndefined();
  });
});

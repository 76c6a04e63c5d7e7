import { describe, expect, it } from 'vitest';
import { Catalogue, type CatalogueModel } from './catalogue.js';
import { SHIPPED_ALIASES, SHIPPED_MODELS } from './shipped.js';

const shipped = () => new Catalogue({ models: SHIPPED_MODELS, aliases: SHIPPED_ALIASES });

const entry = (id: string, fallbacks: string[] = []): CatalogueModel => ({
  id,
  displayName: id.toUpperCase(),
  contextWindow: 1000,
  maxOutput: 100,
  price: { input: 1, output: 2, cacheWrite: 1.25, cacheRead: 0.1 },
  fallbacks,
  releasedAt: null,
});

describe('Catalogue', () => {
  it('resolves the built-in aliases to full ids and passes other names through unchanged', () => {
    const catalogue = shipped();
    expect(catalogue.resolve('sonnet')).toBe('claude-sonnet-4-6');
    expect(catalogue.resolve('opus')).toBe('claude-opus-4-7');
    expect(catalogue.resolve('haiku')).toBe('claude-haiku-4-5');
    expect(catalogue.resolve('claude-opus-4-0')).toBe('claude-opus-4-20250514');
    expect(catalogue.resolve('claude-sonnet-4-6')).toBe('claude-sonnet-4-6');
    expect(catalogue.resolve('gpt-4o')).toBe('gpt-4o');
  });

  it('finds a dated snapshot as its model, but not arbitrary suffixes', () => {
    const catalogue = shipped();
    expect(catalogue.get('claude-sonnet-4-5-20250929')?.displayName).toBe('Claude Sonnet 4.5');
    expect(catalogue.get('claude-haiku-4-5-20251001')?.id).toBe('claude-haiku-4-5');
    expect(catalogue.get('claude-sonnet-4-5-latest')).toBeUndefined();
    expect(catalogue.has('sonnet')).toBe(true);
    expect(catalogue.has('claude-sonnet-9')).toBe(false);
  });

  it('prices by id, alias or snapshot, with cache prices', () => {
    const catalogue = shipped();
    expect(catalogue.priceOf('claude-opus-4-1-20250805')).toMatchObject({ input: 15, output: 75 });
    expect(catalogue.priceOf('sonnet')).toEqual({ input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 });
    expect(catalogue.priceOf('unknown')).toBeUndefined();
  });

  it('resolves fallback chains once, without the model itself or duplicates', () => {
    const catalogue = new Catalogue({
      models: [
        entry('big', ['mid', 'gone', 'small', 'big', 'mid-alias']),
        entry('mid', ['small']),
        entry('small'),
      ],
      aliases: { 'mid-alias': 'mid', b: 'big' },
    });
    expect(catalogue.fallbacksOf('big')).toEqual(['mid', 'small']);
    expect(catalogue.fallbacksOf('b')).toEqual(['mid', 'small']);
    expect(catalogue.fallbacksOf('small')).toEqual([]);
    expect(catalogue.fallbacksOf('nothing')).toEqual([]);
    expect(shipped().fallbacksOf('opus')).toEqual(['claude-sonnet-4-6', 'claude-haiku-4-5']);
    expect(shipped().fallbacksOf('claude-opus-4-5-20251101')).toEqual([
      'claude-sonnet-4-6',
      'claude-haiku-4-5',
    ]);
  });

  it('swaps the whole snapshot and bumps its version', () => {
    const catalogue = new Catalogue({ models: [entry('a')], aliases: { x: 'a' } });
    const version = catalogue.version;
    catalogue.replace({ models: [entry('b')], aliases: { x: 'b' } });
    expect(catalogue.version).toBe(version + 1);
    expect(catalogue.resolve('x')).toBe('b');
    expect(catalogue.get('a')).toBeUndefined();
  });

  it('ships sane data: aliases point at shipped models, cache prices follow input prices', () => {
    const ids = new Set(SHIPPED_MODELS.map((m) => m.id));
    for (const target of Object.values(SHIPPED_ALIASES)) expect(ids).toContain(target);
    for (const alias of Object.keys(SHIPPED_ALIASES)) expect(ids).not.toContain(alias);
    for (const m of SHIPPED_MODELS) {
      expect(m.price.cacheWrite).toBeCloseTo(m.price.input * 1.25, 9);
      expect(m.price.cacheRead).toBeCloseTo(m.price.input * 0.1, 9);
      expect(m.maxOutput).toBeLessThanOrEqual(m.contextWindow);
    }
  });
});

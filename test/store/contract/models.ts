import { describe, expect, it } from 'vitest';
import type { NewModelRecord } from '../../../src/store/index.js';
import { sleep, useStore, type OpenStore } from './harness.js';

function newModel(overrides: Partial<NewModelRecord> = {}): NewModelRecord {
  return {
    id: 'claude-test-1',
    displayName: 'Claude Test 1',
    contextWindow: 200_000,
    maxOutput: 64_000,
    inputPrice: 3,
    outputPrice: 15,
    cacheWritePrice: 3.75,
    cacheReadPrice: 0.3,
    fallbacks: [],
    releasedAt: null,
    removed: false,
    ...overrides,
  };
}

export function modelsContract(open: OpenStore): void {
  describe('models', () => {
    const store = useStore(open);

    it('round-trips every field, fractional prices and a fallback list included', async () => {
      const input = newModel({
        id: 'claude-round-trip',
        inputPrice: 0.25,
        cacheReadPrice: 0.000125,
        fallbacks: ['sonnet', 'claude-haiku-4-5'],
        releasedAt: new Date('2025-10-15T00:00:00.000Z'),
      });
      const written = await store().models.upsert(input);
      expect(written).toMatchObject(input);
      expect(written.updatedAt).toBeInstanceOf(Date);
      expect(await store().models.get(input.id)).toEqual(written);
      expect((await store().models.get(input.id))?.cacheReadPrice).toBe(0.000125);
    });

    it('replaces a whole entry on a second upsert and bumps updatedAt', async () => {
      const first = await store().models.upsert(newModel({ id: 'claude-replace', fallbacks: ['a'] }));
      await sleep(5);
      const second = await store().models.upsert(
        newModel({ id: 'claude-replace', displayName: 'Renamed', fallbacks: [], removed: true }),
      );
      expect(second).toMatchObject({ displayName: 'Renamed', fallbacks: [], removed: true });
      expect(second.updatedAt.getTime()).toBeGreaterThan(first.updatedAt.getTime());
      expect((await store().models.list()).filter((m) => m.id === 'claude-replace')).toHaveLength(1);
    });

    it('lists by id and removes an entry once', async () => {
      await store().models.upsert(newModel({ id: 'claude-zz' }));
      await store().models.upsert(newModel({ id: 'claude-aa' }));
      const ids = (await store().models.list()).map((m) => m.id);
      expect(ids).toEqual([...ids].sort());
      expect(ids).toContain('claude-aa');
      expect(await store().models.remove('claude-aa')).toBe(true);
      expect(await store().models.remove('claude-aa')).toBe(false);
      expect(await store().models.get('claude-aa')).toBeUndefined();
    });

    it('keeps aliases, a null target (a hidden shipped alias) included', async () => {
      const first = await store().models.upsertAlias('fast', 'claude-haiku-4-5');
      expect(first).toMatchObject({ alias: 'fast', modelId: 'claude-haiku-4-5' });
      await sleep(5);
      const moved = await store().models.upsertAlias('fast', 'claude-sonnet-4-6');
      expect(moved.modelId).toBe('claude-sonnet-4-6');
      expect(moved.updatedAt.getTime()).toBeGreaterThan(first.updatedAt.getTime());
      await store().models.upsertAlias('opus', null);
      expect(await store().models.listAliases()).toEqual([
        moved,
        expect.objectContaining({ alias: 'opus', modelId: null }),
      ]);
      expect(await store().models.removeAlias('fast')).toBe(true);
      expect(await store().models.removeAlias('fast')).toBe(false);
      expect((await store().models.listAliases()).map((a) => a.alias)).toEqual(['opus']);
    });
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalogue } from '../gateway/catalogue/catalogue.js';
import { SHIPPED_ALIASES, SHIPPED_MODELS } from '../gateway/catalogue/shipped.js';
import { openStore, type Store } from '../store/index.js';
import { ModelCatalogueService } from './model-catalogue.js';

const NEW_MODEL = {
  displayName: 'House Model',
  contextWindow: 100_000,
  maxOutput: 8_000,
  inputPrice: 2,
  outputPrice: 10,
};

describe('ModelCatalogueService', () => {
  let store: Store;
  let catalogue: Catalogue;
  let service: ModelCatalogueService;
  const actions = async () => (await store.audit.list()).map((e) => `${e.action} ${e.targetId}`);

  beforeAll(async () => {
    store = await openStore({ kind: 'pglite', dir: 'memory://' });
    catalogue = new Catalogue({ models: SHIPPED_MODELS, aliases: SHIPPED_ALIASES });
    service = new ModelCatalogueService({
      models: store.models,
      audit: store.audit,
      catalogue,
      actor: { type: 'cli', id: null },
    });
    await service.load();
  });
  afterAll(() => store.close());

  it('lists the shipped catalogue with aliases when nothing was edited', async () => {
    const sonnet = (await service.list()).find((m) => m.id === 'claude-sonnet-4-6');
    expect(sonnet).toMatchObject({ source: 'shipped', aliases: ['sonnet'], inputPrice: 3, removed: false });
    expect(await service.listAliases()).toContainEqual({
      alias: 'opus',
      model: 'claude-opus-4-7',
      source: 'shipped',
    });
  });

  it('adds a model, deriving cache prices, and the live catalogue has it at once', async () => {
    const view = await service.put('house-1', NEW_MODEL);
    expect(view).toMatchObject({ source: 'custom', cacheWritePrice: 2.5, cacheReadPrice: 0.2 });
    expect(catalogue.priceOf('house-1')).toEqual({ input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.2 });
    expect(await actions()).toContain('model.create house-1');
  });

  it('refuses a new model with fields missing, limits inverted or an unknown fallback', async () => {
    await expect(service.put('house-2', { displayName: 'x' })).rejects.toThrow('contextWindow: required');
    await expect(service.put('house-2', { ...NEW_MODEL, maxOutput: 200_000 })).rejects.toThrow(
      'maxOutput: cannot exceed contextWindow',
    );
    await expect(service.put('house-2', { ...NEW_MODEL, fallbacks: ['nope'] })).rejects.toThrow(
      "fallbacks: 'nope' is not a model",
    );
    await expect(service.put('bad id!', NEW_MODEL)).rejects.toThrow('must be 1–128');
    await expect(service.put('sonnet', NEW_MODEL)).rejects.toMatchObject({ status: 409 });
  });

  it('edits a shipped model (kept across upgrades), then resets it to the shipped entry', async () => {
    const edited = await service.put('claude-sonnet-4-6', { inputPrice: 4, fallbacks: ['house-1'] });
    expect(edited).toMatchObject({ source: 'edited', inputPrice: 4, outputPrice: 15, cacheWritePrice: 5 });
    expect(catalogue.priceOf('sonnet')?.input).toBe(4);
    expect(catalogue.fallbacksOf('claude-sonnet-4-6')).toEqual(['house-1']);
    const reset = await service.reset('claude-sonnet-4-6');
    expect(reset).toMatchObject({ source: 'shipped', inputPrice: 3 });
    expect(catalogue.priceOf('sonnet')?.input).toBe(3);
    await expect(service.reset('claude-sonnet-4-6')).rejects.toMatchObject({ status: 404 });
    await expect(service.reset('house-1')).rejects.toMatchObject({ status: 404 });
  });

  it('repoints, adds and removes aliases; an alias may not shadow a model id', async () => {
    expect(await service.putAlias('house', { model: 'house-1' })).toEqual({
      alias: 'house',
      model: 'house-1',
      source: 'custom',
    });
    expect(catalogue.resolve('house')).toBe('house-1');
    await service.putAlias('opus', { model: 'sonnet' });
    expect(catalogue.resolve('opus')).toBe('claude-sonnet-4-6');
    await expect(service.putAlias('claude-haiku-4-5', { model: 'house-1' })).rejects.toMatchObject({
      status: 409,
    });
    await expect(service.putAlias('x', { model: 'missing' })).rejects.toThrow("model: no model 'missing'");
    await service.removeAlias('house');
    await service.removeAlias('opus');
    expect(catalogue.resolve('opus')).toBe('opus');
    expect(await service.listAliases()).toContainEqual({ alias: 'opus', model: null, source: 'edited' });
    expect(await actions()).toEqual(
      expect.arrayContaining(['model_alias.set opus', 'model_alias.delete opus']),
    );
  });

  it('removes a shipped model so it stays hidden, refusing while an alias points at it', async () => {
    await expect(service.remove('claude-haiku-4-5')).rejects.toMatchObject({ status: 409 });
    await service.removeAlias('haiku');
    await service.remove('claude-haiku-4-5');
    expect(catalogue.get('claude-haiku-4-5')).toBeUndefined();
    expect((await service.list()).find((m) => m.id === 'claude-haiku-4-5')).toMatchObject({ removed: true });
    // Shipped chains naming it drop it rather than send traffic to a removed model.
    expect(catalogue.fallbacksOf('claude-opus-4-6')).toEqual(['claude-sonnet-4-6']);
    await service.reset('claude-haiku-4-5');
    expect(catalogue.get('claude-haiku-4-5')?.displayName).toBe('Claude Haiku 4.5');
    await service.remove('house-1');
    expect(await store.models.get('house-1')).toBeUndefined();
    await expect(service.remove('house-1')).rejects.toMatchObject({ status: 404 });
  });

  it('a second process sees edits on its next load', async () => {
    const other = new Catalogue({ models: SHIPPED_MODELS, aliases: SHIPPED_ALIASES });
    const otherService = new ModelCatalogueService({
      models: store.models,
      audit: store.audit,
      catalogue: other,
      actor: { type: 'cli', id: null },
    });
    await service.put('claude-opus-4-6', { displayName: 'Opus Six' });
    expect(other.get('claude-opus-4-6')?.displayName).toBe('Claude Opus 4.6');
    await otherService.load();
    expect(other.get('claude-opus-4-6')?.displayName).toBe('Opus Six');
  });
});

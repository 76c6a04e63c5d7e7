import type { Principal } from './call.js';
import type { Catalogue } from './catalogue/catalogue.js';
import type { AccountPool } from './scheduler/account-pool.js';
import type { UpstreamModel } from '../upstreams/types.js';
import { compareOrdinal } from '../ordinal-compare.js';

const CACHE_MS = 10 * 60_000;

export interface ListedModel extends UpstreamModel {
  simulated: boolean;
  /** From the model catalogue, when it knows the model. */
  contextWindow?: number | undefined;
  maxOutput?: number | undefined;
}

/**
 * Which of the pool's models a caller's key may use. Today every key may use every model; a
 * per-key model list plugs in here, and /v1/models (both shapes) lists only what it lets through.
 */
export type ModelAccess = (principal: Principal, models: ListedModel[]) => ListedModel[];

export const everyModel: ModelAccess = (_principal, models) => models;

/**
 * The models the pool can serve: each usable account's own list (an explicit model list in its
 * configuration, or what its upstream reports), merged. Upstream lists are cached for minutes.
 * Aliases in account lists are listed as the models they name; the catalogue supplies display
 * names and limits.
 */
export class ModelCatalog {
  private readonly cache = new Map<string, { models: UpstreamModel[]; until: number }>();

  constructor(
    private readonly pool: AccountPool,
    private readonly access: ModelAccess = everyModel,
    private readonly catalogue?: Catalogue,
  ) {}

  /** The models this caller's key may use. */
  async listFor(principal: Principal): Promise<ListedModel[]> {
    return this.access(principal, await this.list());
  }

  async list(): Promise<ListedModel[]> {
    const merged = new Map<string, ListedModel>();
    const now = Date.now();
    const lists = await Promise.all(
      this.pool
        .accounts()
        .filter((account) => account.state !== 'disabled' && account.state !== 'needs_reauth')
        .map(async (account) => {
          if (account.record.models) {
            const ids = new Set(account.record.models.map((name) => this.catalogue?.resolve(name) ?? name));
            return [...ids].map((id) => ({
              id,
              displayName: id,
              createdAt: account.record.createdAt.toISOString(),
              simulated: account.simulated,
            }));
          }
          const cached = this.cache.get(account.id);
          let models = cached && cached.until > now ? cached.models : undefined;
          if (!models) {
            models =
              (await account.upstream.listModels(AbortSignal.timeout(10_000)).catch(() => undefined)) ?? [];
            this.cache.set(account.id, { models, until: now + (models.length > 0 ? CACHE_MS : 30_000) });
          }
          return models.map((m) => ({ ...m, simulated: account.simulated }));
        }),
    );
    for (const list of lists) {
      for (const listed of list) {
        const model = this.described(listed);
        const existing = merged.get(model.id);
        // A real account's entry wins over a simulated one for the same id.
        if (!existing || (existing.simulated && !model.simulated)) merged.set(model.id, model);
      }
    }
    return [...merged.values()].sort(
      (a, b) => compareOrdinal(b.createdAt, a.createdAt) || compareOrdinal(a.id, b.id),
    );
  }

  /** The catalogue's name, release date and limits for a model it knows (snapshots included). */
  private described(model: ListedModel): ListedModel {
    const known = this.catalogue?.get(model.id);
    if (!known) {
      if (!model.simulated || model.displayName.endsWith('(simulated)')) return model;
      return { ...model, displayName: `${model.displayName} (simulated)` };
    }
    return {
      ...model,
      displayName: model.simulated ? `${known.displayName} (simulated)` : known.displayName,
      createdAt: known.releasedAt ?? model.createdAt,
      contextWindow: known.contextWindow,
      maxOutput: known.maxOutput,
    };
  }
}

import type { ModelPrice } from '../usage/prices.js';

/** One model as the gateway knows it. */
export interface CatalogueModel {
  id: string;
  displayName: string;
  contextWindow: number;
  maxOutput: number;
  /** USD per million tokens. */
  price: ModelPrice;
  /** Model ids or aliases to try, in order, for keys that opted in to fallbacks. */
  fallbacks: readonly string[];
  /** ISO 8601; what /v1/models reports as created_at when known. */
  releasedAt: string | null;
}

export interface CatalogueSnapshot {
  models: readonly CatalogueModel[];
  /** Alias → model id. */
  aliases: Readonly<Record<string, string>>;
}

/** Name resolution as the scheduler needs it: `version` changes whenever the answers may have. */
export interface ModelNames {
  readonly version: number;
  resolve(name: string): string;
}

/** A dated snapshot id: the model's id followed by -YYYYMMDD. */
const SNAPSHOT = /^(.+)-\d{8}$/;
const NO_FALLBACKS: readonly string[] = Object.freeze([]);

/**
 * The model catalogue in memory, for the request path: every answer is a map lookup, synchronous,
 * and the whole snapshot is swapped at once when admins edit it (services/model-catalogue.ts).
 */
export class Catalogue implements ModelNames {
  private byId = new Map<string, CatalogueModel>();
  private aliasMap = new Map<string, string>();
  private chains = new Map<string, readonly string[]>();
  private current: CatalogueSnapshot = { models: [], aliases: {} };
  version = 0;

  constructor(snapshot?: CatalogueSnapshot) {
    if (snapshot) this.replace(snapshot);
  }

  replace(snapshot: CatalogueSnapshot): void {
    const byId = new Map(snapshot.models.map((m) => [m.id, m]));
    const aliasMap = new Map(Object.entries(snapshot.aliases));
    this.byId = byId;
    this.aliasMap = aliasMap;
    // Chains are resolved once here, so the request path only looks them up.
    const chains = new Map<string, readonly string[]>();
    for (const model of snapshot.models) {
      // Names no longer in the catalogue drop out: an account serving any model would take them.
      const chain = [...new Set(model.fallbacks.map((name) => aliasMap.get(name) ?? name))].filter(
        (id) => id !== model.id && byId.has(id),
      );
      if (chain.length > 0) chains.set(model.id, Object.freeze(chain));
    }
    this.chains = chains;
    this.current = snapshot;
    this.version += 1;
  }

  snapshot(): CatalogueSnapshot {
    return this.current;
  }

  /** The canonical id of a name: aliases resolve, anything else (ids, unknown names) is returned unchanged. */
  resolve(name: string): string {
    return this.aliasMap.get(name) ?? name;
  }

  /** The model of this id, or of a dated snapshot of it (`claude-sonnet-4-5-20250929`). */
  get(id: string): CatalogueModel | undefined {
    const exact = this.byId.get(id);
    if (exact !== undefined) return exact;
    const base = SNAPSHOT.exec(id)?.[1];
    return base === undefined ? undefined : this.byId.get(base);
  }

  /** Whether the name (an id, a snapshot of one, or an alias) is a catalogue model. */
  has(name: string): boolean {
    return this.get(this.resolve(name)) !== undefined;
  }

  priceOf(name: string): ModelPrice | undefined {
    return this.get(this.resolve(name))?.price;
  }

  /** The ids to try, in order, after this model; aliases in the chain are already resolved. */
  fallbacksOf(id: string): readonly string[] {
    const resolved = this.resolve(id);
    return this.chains.get(resolved) ?? this.chains.get(this.get(resolved)?.id ?? '') ?? NO_FALLBACKS;
  }

  isAlias(name: string): boolean {
    return this.aliasMap.has(name);
  }
}

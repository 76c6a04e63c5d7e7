/**
 * How shipped data and admin edits combine: the database holds only what admins changed. A row
 * replaces the shipped model of its id (or adds one), a `removed` row hides a shipped model, an
 * alias row repoints or (with no model) hides a shipped alias. Upgrades bring new shipped models
 * and prices for every id no admin touched, and never undo an admin's decision.
 */
import type { CatalogueModel, CatalogueSnapshot } from '../gateway/catalogue/catalogue.js';
import type { ModelAliasRecord, ModelRecord } from '../store/types.js';
import type { AliasView, CatalogueSource, ModelView } from './model-catalogue-types.js';
import { compareOrdinal } from '../ordinal-compare.js';

export interface MergedCatalogue {
  /** What the gateway serves. */
  snapshot: CatalogueSnapshot;
  /** Every entry, removed shipped ones included, for admins. */
  models: ModelView[];
  aliases: AliasView[];
  shippedIds: ReadonlySet<string>;
  shippedAliases: ReadonlySet<string>;
}

export function modelOfRecord(row: ModelRecord): CatalogueModel {
  return {
    id: row.id,
    displayName: row.displayName,
    contextWindow: row.contextWindow,
    maxOutput: row.maxOutput,
    price: {
      input: row.inputPrice,
      output: row.outputPrice,
      cacheWrite: row.cacheWritePrice,
      cacheRead: row.cacheReadPrice,
    },
    fallbacks: row.fallbacks,
    releasedAt: row.releasedAt?.toISOString() ?? null,
  };
}

function viewOf(model: CatalogueModel, source: CatalogueSource, removed: boolean): ModelView {
  return {
    id: model.id,
    displayName: model.displayName,
    contextWindow: model.contextWindow,
    maxOutput: model.maxOutput,
    inputPrice: model.price.input,
    outputPrice: model.price.output,
    cacheWritePrice: model.price.cacheWrite,
    cacheReadPrice: model.price.cacheRead,
    fallbacks: [...model.fallbacks],
    releasedAt: model.releasedAt,
    aliases: [],
    source,
    removed,
  };
}

export function mergeCatalogue(
  shipped: CatalogueSnapshot,
  rows: readonly ModelRecord[],
  aliasRows: readonly ModelAliasRecord[],
): MergedCatalogue {
  const edits = new Map(rows.map((row) => [row.id, row]));
  const shippedIds = new Set(shipped.models.map((m) => m.id));
  const views: ModelView[] = [];
  const served: CatalogueModel[] = [];
  for (const model of shipped.models) {
    const row = edits.get(model.id);
    if (row === undefined) {
      served.push(model);
      views.push(viewOf(model, 'shipped', false));
    } else if (row.removed) {
      // A removed model is listed as it was shipped, so an admin sees what a reset brings back.
      views.push(viewOf(model, 'edited', true));
    } else {
      const edited = modelOfRecord(row);
      served.push(edited);
      views.push(viewOf(edited, 'edited', false));
    }
  }
  for (const row of rows) {
    if (shippedIds.has(row.id) || row.removed) continue;
    const custom = modelOfRecord(row);
    served.push(custom);
    views.push(viewOf(custom, 'custom', false));
  }

  const aliasEdits = new Map(aliasRows.map((row) => [row.alias, row]));
  const shippedAliases = new Set(Object.keys(shipped.aliases));
  const aliases: Record<string, string> = {};
  const aliasViews: AliasView[] = [];
  for (const [alias, model] of Object.entries(shipped.aliases)) {
    const row = aliasEdits.get(alias);
    const target = row === undefined ? model : row.modelId;
    if (target !== null) aliases[alias] = target;
    aliasViews.push({ alias, model: target, source: row === undefined ? 'shipped' : 'edited' });
  }
  for (const row of aliasRows) {
    if (shippedAliases.has(row.alias) || row.modelId === null) continue;
    aliases[row.alias] = row.modelId;
    aliasViews.push({ alias: row.alias, model: row.modelId, source: 'custom' });
  }

  const byId = new Map(views.map((v) => [v.id, v]));
  for (const [alias, model] of Object.entries(aliases)) byId.get(model)?.aliases.push(alias);
  return {
    snapshot: { models: served, aliases },
    models: views.sort((a, b) => compareOrdinal(a.id, b.id)),
    aliases: aliasViews.sort((a, b) => compareOrdinal(a.alias, b.alias)),
    shippedIds,
    shippedAliases,
  };
}

import type { z } from 'zod';
import { InvalidRequestError, NotFoundError, SwitchyardError } from '../errors.js';
import type { Catalogue, CatalogueModel, CatalogueSnapshot } from '../gateway/catalogue/catalogue.js';
import { SHIPPED_ALIASES, SHIPPED_MODELS } from '../gateway/catalogue/shipped.js';
import type { AuditRepository, ModelRepository, NewModelRecord } from '../store/types.js';
import type { AuditActor, AuditContext } from './audit-context.js';
import { mergeCatalogue, type MergedCatalogue } from './catalogue-merge.js';
import {
  aliasInput,
  modelInput,
  modelNameSchema,
  type AliasInput,
  type AliasView,
  type ModelInput,
  type ModelView,
} from './model-catalogue-types.js';
import { parseInput } from './parse-input.js';

export interface ModelCatalogueServiceDeps {
  models: ModelRepository;
  audit: AuditRepository;
  /** The gateway's in-memory catalogue, replaced after every load; absent from the command line. */
  catalogue?: Catalogue;
  actor: AuditActor;
  /** The shipped data (tests pass their own). */
  shipped?: CatalogueSnapshot;
}

const SHIPPED: CatalogueSnapshot = { models: SHIPPED_MODELS, aliases: SHIPPED_ALIASES };
const conflict = (message: string) => new SwitchyardError('invalid_request_error', message, { status: 409 });
const micro = (usd: number) => Math.round(usd * 1e6) / 1e6;

/**
 * The model catalogue's admin use cases, shared by the admin API and the command line. Edits go
 * to the database, are audited, and the in-memory catalogue is reloaded at once in this process;
 * other processes pick them up on their periodic load().
 */
export class ModelCatalogueService {
  private loading: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ModelCatalogueServiceDeps) {}

  /** Reads the admins' edits and swaps the gateway's catalogue. Loads run one after another. */
  load(): Promise<void> {
    const next = this.loading.then(async () => {
      const merged = await this.state();
      this.deps.catalogue?.replace(merged.snapshot);
    });
    this.loading = next.catch(() => undefined);
    return next;
  }

  async list(): Promise<ModelView[]> {
    return (await this.state()).models;
  }

  async listAliases(): Promise<AliasView[]> {
    return (await this.state()).aliases;
  }

  /** Creates a model, or changes the given fields of one (a shipped one becomes `edited`). */
  async put(rawId: string, raw: ModelInput, context: AuditContext = {}): Promise<ModelView> {
    const id = parseInput(modelNameSchema, rawId);
    const input = parseInput(modelInput, raw);
    const state = await this.state();
    if (state.snapshot.aliases[id] !== undefined) {
      throw conflict(`id: '${id}' is an alias; remove the alias first or choose another id.`);
    }
    const current = state.snapshot.models.find((m) => m.id === id);
    const base = current ?? this.shipped().models.find((m) => m.id === id);
    const record = recordOf(id, input, base);
    if (record.maxOutput > record.contextWindow) {
      throw new InvalidRequestError('maxOutput: cannot exceed contextWindow.');
    }
    // Only names given now are checked: an inherited chain may name what was removed since.
    for (const name of input.fallbacks ?? []) {
      const target = state.snapshot.aliases[name] ?? name;
      if (target === id) throw new InvalidRequestError(`fallbacks: '${name}' is the model itself.`);
      if (!state.snapshot.models.some((m) => m.id === target)) {
        throw new InvalidRequestError(`fallbacks: '${name}' is not a model or alias in the catalogue.`);
      }
    }
    await this.deps.models.upsert(record);
    await this.audit(current ? 'model.update' : 'model.create', 'model', id, context, {
      fields: Object.keys(input),
      ...priceDetails(record),
    });
    return this.reloaded((merged) => merged.models.find((m) => m.id === id));
  }

  /** Removes a model; a shipped one stays hidden (across upgrades too) until reset. */
  async remove(rawId: string, context: AuditContext = {}): Promise<void> {
    const id = parseInput(modelNameSchema, rawId);
    const state = await this.state();
    const model = state.snapshot.models.find((m) => m.id === id);
    if (!model) throw new NotFoundError(`No model '${id}' in the catalogue.`);
    const pointing = Object.entries(state.snapshot.aliases).filter(([, target]) => target === id);
    if (pointing.length > 0) {
      throw conflict(`Aliases point at '${id}' (${pointing.map(([a]) => a).join(', ')}); move them first.`);
    }
    if (state.shippedIds.has(id)) {
      const shipped = this.shipped().models.find((m) => m.id === id) ?? model;
      await this.deps.models.upsert({ ...recordOf(id, {}, shipped), removed: true });
    } else {
      await this.deps.models.remove(id);
    }
    await this.audit('model.delete', 'model', id, context, { shipped: state.shippedIds.has(id) });
    await this.load();
  }

  /** Drops an admin's edit of a shipped model (or its removal): the shipped entry applies again. */
  async reset(rawId: string, context: AuditContext = {}): Promise<ModelView> {
    const id = parseInput(modelNameSchema, rawId);
    if (!this.shipped().models.some((m) => m.id === id)) {
      throw new NotFoundError(`'${id}' is not a shipped model; delete it instead.`);
    }
    if (!(await this.deps.models.remove(id))) {
      throw new NotFoundError(`The shipped model '${id}' has no admin edit to reset.`);
    }
    await this.audit('model.reset', 'model', id, context, {});
    return this.reloaded((merged) => merged.models.find((m) => m.id === id));
  }

  /** Points an alias at a model (given by id or by another alias). */
  async putAlias(rawAlias: string, raw: AliasInput, context: AuditContext = {}): Promise<AliasView> {
    const alias = parseInput(modelNameSchema, rawAlias);
    const input = parseInput(aliasInput, raw);
    const state = await this.state();
    if (state.models.some((m) => m.id === alias) || this.shipped().models.some((m) => m.id === alias)) {
      throw conflict(`'${alias}' is a model id; an alias must not hide a model.`);
    }
    const model = state.snapshot.aliases[input.model] ?? input.model;
    if (!state.snapshot.models.some((m) => m.id === model)) {
      throw new InvalidRequestError(`model: no model '${input.model}' in the catalogue.`);
    }
    const before = state.snapshot.aliases[alias] ?? null;
    await this.deps.models.upsertAlias(alias, model);
    await this.audit('model_alias.set', 'model_alias', alias, context, { from: before, to: model });
    return this.reloaded((merged) => merged.aliases.find((a) => a.alias === alias));
  }

  /** Removes an alias; a shipped one stays hidden across upgrades. */
  async removeAlias(rawAlias: string, context: AuditContext = {}): Promise<void> {
    const alias = parseInput(modelNameSchema, rawAlias);
    const state = await this.state();
    const before = state.snapshot.aliases[alias];
    if (before === undefined) throw new NotFoundError(`No alias '${alias}'.`);
    if (state.shippedAliases.has(alias)) await this.deps.models.upsertAlias(alias, null);
    else await this.deps.models.removeAlias(alias);
    await this.audit('model_alias.delete', 'model_alias', alias, context, { from: before });
    await this.load();
  }

  private shipped(): CatalogueSnapshot {
    return this.deps.shipped ?? SHIPPED;
  }

  private async state(): Promise<MergedCatalogue> {
    const [rows, aliases] = await Promise.all([this.deps.models.list(), this.deps.models.listAliases()]);
    return mergeCatalogue(this.shipped(), rows, aliases);
  }

  private async reloaded<T>(pick: (merged: MergedCatalogue) => T | undefined): Promise<T> {
    await this.load();
    const found = pick(await this.state());
    if (found === undefined) throw new NotFoundError('The entry was removed by someone else meanwhile.');
    return found;
  }

  private audit(
    action: string,
    targetType: string,
    targetId: string,
    context: AuditContext,
    details: Record<string, unknown>,
  ) {
    const actor = context.actor ?? this.deps.actor;
    return this.deps.audit.append({
      actorType: actor.type,
      actorId: actor.id,
      action,
      targetType,
      targetId,
      ip: context.ip ?? null,
      details,
    });
  }
}

const REQUIRED_FOR_NEW = ['displayName', 'contextWindow', 'maxOutput', 'inputPrice', 'outputPrice'] as const;

/**
 * The row to store: the given fields over the current entry. Cache prices not given follow an
 * input price that is (×1.25 and ×0.1, Anthropic's ratios); otherwise they are kept.
 */
function recordOf(id: string, input: z.output<typeof modelInput>, base?: CatalogueModel): NewModelRecord {
  if (!base) {
    const missing = REQUIRED_FOR_NEW.find((field) => input[field] === undefined);
    if (missing) throw new InvalidRequestError(`${missing}: required for a new model.`);
  }
  const inputPrice = input.inputPrice ?? base?.price.input ?? 0;
  const derived = input.inputPrice !== undefined || !base;
  return {
    id,
    displayName: input.displayName ?? base?.displayName ?? id,
    contextWindow: input.contextWindow ?? base?.contextWindow ?? 0,
    maxOutput: input.maxOutput ?? base?.maxOutput ?? 0,
    inputPrice,
    outputPrice: input.outputPrice ?? base?.price.output ?? 0,
    cacheWritePrice:
      input.cacheWritePrice ?? (derived ? micro(inputPrice * 1.25) : (base?.price.cacheWrite ?? 0)),
    cacheReadPrice:
      input.cacheReadPrice ?? (derived ? micro(inputPrice * 0.1) : (base?.price.cacheRead ?? 0)),
    fallbacks: input.fallbacks ?? [...(base?.fallbacks ?? [])],
    releasedAt:
      input.releasedAt === undefined
        ? base?.releasedAt
          ? new Date(base.releasedAt)
          : null
        : input.releasedAt === null
          ? null
          : new Date(input.releasedAt),
    removed: false,
  };
}

function priceDetails(record: NewModelRecord): Record<string, unknown> {
  return {
    inputPrice: record.inputPrice,
    outputPrice: record.outputPrice,
    cacheWritePrice: record.cacheWritePrice,
    cacheReadPrice: record.cacheReadPrice,
    fallbacks: record.fallbacks,
  };
}

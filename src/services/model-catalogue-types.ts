import { z } from 'zod';

/** Where an entry comes from: shipped as is, shipped and edited by an admin, or added by one. */
export type CatalogueSource = 'shipped' | 'edited' | 'custom';

/** A catalogue model as admins see it; prices in USD per million tokens. */
export interface ModelView {
  id: string;
  displayName: string;
  contextWindow: number;
  maxOutput: number;
  inputPrice: number;
  outputPrice: number;
  cacheWritePrice: number;
  cacheReadPrice: number;
  fallbacks: string[];
  releasedAt: string | null;
  /** Aliases that resolve to this model. */
  aliases: string[];
  source: CatalogueSource;
  /** A shipped model an admin removed; it stays hidden across upgrades until reset. */
  removed: boolean;
}

export interface AliasView {
  alias: string;
  /** Null: a shipped alias an admin removed. */
  model: string | null;
  source: CatalogueSource;
}

/** Model ids and aliases: what a model field or a URL segment can carry without escaping games. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
export const modelNameSchema = z
  .string()
  .regex(NAME, 'must be 1–128 letters, digits, ".", "_", ":", "@" or "-", starting with a letter or digit');

const price = z.number().min(0).max(100_000);
const tokens = z.number().int().min(1).max(100_000_000);

/**
 * A model's fields. Every field is optional for an existing model (the rest is kept); a new model
 * needs a display name, both limits and the input and output prices. Cache prices default to
 * 1.25× and 0.1× the input price, Anthropic's ratios.
 */
export const modelInput = z.strictObject({
  displayName: z.string().trim().min(1).max(200).optional(),
  contextWindow: tokens.optional(),
  maxOutput: tokens.optional(),
  inputPrice: price.optional(),
  outputPrice: price.optional(),
  cacheWritePrice: price.optional(),
  cacheReadPrice: price.optional(),
  fallbacks: z.array(modelNameSchema).max(10).optional(),
  releasedAt: z.iso.datetime({ offset: true }).nullable().optional(),
});
export type ModelInput = z.input<typeof modelInput>;

export const aliasInput = z.strictObject({ model: modelNameSchema });
export type AliasInput = z.input<typeof aliasInput>;

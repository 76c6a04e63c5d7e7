/**
 * The catalogue Switchyard ships: Claude models with their list prices (USD per million tokens,
 * from Anthropic's pricing page), the short aliases, and default fallback chains. Admins override
 * any of it in the database (services/model-catalogue.ts); a new release's data applies to every
 * id an admin has not edited.
 */
import { Catalogue, type CatalogueModel } from './catalogue.js';

// The database keeps six decimals; so does the shipped data, or an unedited price would not round-trip.
const micro = (usd: number) => Math.round(usd * 1e6) / 1e6;

/** Cache writes (5-minute TTL) cost 1.25× input; cache reads 0.1× input. */
function model(
  id: string,
  displayName: string,
  limits: { contextWindow: number; maxOutput: number },
  input: number,
  output: number,
  fallbacks: readonly string[],
  releasedAt: string | null,
): CatalogueModel {
  return {
    id,
    displayName,
    ...limits,
    price: { input, output, cacheWrite: micro(input * 1.25), cacheRead: micro(input * 0.1) },
    fallbacks,
    releasedAt,
  };
}

const K = 1_000;
const OPUS_FALLBACKS = ['sonnet', 'haiku'] as const;
const SONNET_FALLBACKS = ['haiku'] as const;

/**
 * Ids are the ones the Messages API accepts. Models with an undated id list it; their dated
 * snapshots (`claude-sonnet-4-5-20250929`) are found by the catalogue as the same model. Older
 * models without one list the dated id, and Anthropic's own `-0` aliases point at it.
 */
export const SHIPPED_MODELS: readonly CatalogueModel[] = Object.freeze([
  model(
    'claude-opus-4-7',
    'Claude Opus 4.7',
    { contextWindow: 200 * K, maxOutput: 128 * K },
    5,
    25,
    OPUS_FALLBACKS,
    null,
  ),
  model(
    'claude-opus-4-6',
    'Claude Opus 4.6',
    { contextWindow: 200 * K, maxOutput: 128 * K },
    5,
    25,
    OPUS_FALLBACKS,
    '2026-02-05T00:00:00Z',
  ),
  model(
    'claude-sonnet-4-6',
    'Claude Sonnet 4.6',
    { contextWindow: 200 * K, maxOutput: 64 * K },
    3,
    15,
    SONNET_FALLBACKS,
    '2026-02-17T00:00:00Z',
  ),
  model(
    'claude-opus-4-5',
    'Claude Opus 4.5',
    { contextWindow: 200 * K, maxOutput: 64 * K },
    5,
    25,
    OPUS_FALLBACKS,
    '2025-11-24T00:00:00Z',
  ),
  model(
    'claude-haiku-4-5',
    'Claude Haiku 4.5',
    { contextWindow: 200 * K, maxOutput: 64 * K },
    1,
    5,
    [],
    '2025-10-15T00:00:00Z',
  ),
  model(
    'claude-sonnet-4-5',
    'Claude Sonnet 4.5',
    { contextWindow: 200 * K, maxOutput: 64 * K },
    3,
    15,
    SONNET_FALLBACKS,
    '2025-09-29T00:00:00Z',
  ),
  model(
    'claude-opus-4-1',
    'Claude Opus 4.1',
    { contextWindow: 200 * K, maxOutput: 32 * K },
    15,
    75,
    OPUS_FALLBACKS,
    '2025-08-05T00:00:00Z',
  ),
  model(
    'claude-opus-4-20250514',
    'Claude Opus 4',
    { contextWindow: 200 * K, maxOutput: 32 * K },
    15,
    75,
    OPUS_FALLBACKS,
    '2025-05-22T00:00:00Z',
  ),
  model(
    'claude-sonnet-4-20250514',
    'Claude Sonnet 4',
    { contextWindow: 200 * K, maxOutput: 64 * K },
    3,
    15,
    SONNET_FALLBACKS,
    '2025-05-22T00:00:00Z',
  ),
]);

/** Short names for the latest of each family, and Anthropic's aliases for the older models. */
export const SHIPPED_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  opus: 'claude-opus-4-7',
  sonnet: 'claude-sonnet-4-6',
  haiku: 'claude-haiku-4-5',
  'claude-opus-4-0': 'claude-opus-4-20250514',
  'claude-sonnet-4-0': 'claude-sonnet-4-20250514',
});

let shipped: Catalogue | undefined;

/** The shipped data alone, for a pipeline built without the admins' catalogue (unit tests, tools). */
export function shippedCatalogue(): Catalogue {
  shipped ??= new Catalogue({ models: SHIPPED_MODELS, aliases: SHIPPED_ALIASES });
  return shipped;
}

import type { UpstreamModel } from '../types.js';

/** The models the mock claims to serve (it answers for any model id it is sent). */
export const MOCK_MODELS: readonly UpstreamModel[] = Object.freeze([
  {
    id: 'claude-opus-4-5-20251101',
    displayName: 'Claude Opus 4.5 (simulated)',
    createdAt: '2025-11-24T00:00:00Z',
  },
  {
    id: 'claude-haiku-4-5-20251001',
    displayName: 'Claude Haiku 4.5 (simulated)',
    createdAt: '2025-10-15T00:00:00Z',
  },
  {
    id: 'claude-sonnet-4-5-20250929',
    displayName: 'Claude Sonnet 4.5 (simulated)',
    createdAt: '2025-09-29T00:00:00Z',
  },
  {
    id: 'claude-opus-4-1-20250805',
    displayName: 'Claude Opus 4.1 (simulated)',
    createdAt: '2025-08-05T00:00:00Z',
  },
]);

/** A model in the shape of the Anthropic `GET /v1/models` list. */
export function wireModel(model: UpstreamModel): {
  type: 'model';
  id: string;
  display_name: string;
  created_at: string;
} {
  return { type: 'model', id: model.id, display_name: model.displayName, created_at: model.createdAt };
}

/** The Anthropic `GET /v1/models` list body. */
export function modelListJson(): string {
  const data = MOCK_MODELS.map(wireModel);
  return JSON.stringify({
    data,
    has_more: false,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  });
}

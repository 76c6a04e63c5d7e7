import { anthropicApiKind } from './anthropic-api/index.js';
import { mockKind } from './mock/index.js';
import type { AccountKind, UpstreamKindDefinition } from './types.js';

/** The single registry of account kinds. Adding a kind means adding one folder and one line here. */
const KINDS: Record<AccountKind, UpstreamKindDefinition> = {
  anthropic_api: anthropicApiKind,
  mock: mockKind,
};

export class UpstreamKindRegistry {
  constructor(private readonly kinds: Record<AccountKind, UpstreamKindDefinition> = KINDS) {}

  get(kind: AccountKind): UpstreamKindDefinition {
    return this.kinds[kind];
  }

  all(): UpstreamKindDefinition[] {
    return Object.values(this.kinds);
  }
}

export const upstreamKinds = new UpstreamKindRegistry();
export type { AccountKind, UpstreamKindDefinition } from './types.js';

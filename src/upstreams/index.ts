import type { LookupFunction } from 'node:net';
import { anthropicApiKind, createAnthropicApiKind } from './anthropic-api/index.js';
import { createClaudeCliKind, type ClaudeCliContext } from './claude-cli/index.js';
import { mockKind } from './mock/index.js';
import type { AccountKind, UpstreamKindDefinition } from './types.js';

/** What kinds need from the process that runs them. */
export interface UpstreamKindContext {
  /** The shared `claude` process pool and settings; without it `claude_cli` accounts refuse requests. */
  claudeCli?: ClaudeCliContext;
  /** Resolves upstream host names for HTTP kinds, refusing disallowed addresses (identity/guarded-lookup). */
  connectLookup?: LookupFunction;
}

export class UpstreamKindRegistry {
  constructor(private readonly kinds: Record<AccountKind, UpstreamKindDefinition>) {}

  get(kind: AccountKind): UpstreamKindDefinition {
    return this.kinds[kind];
  }

  all(): UpstreamKindDefinition[] {
    return Object.values(this.kinds);
  }
}

/** The single registry of account kinds. Adding a kind means adding one folder and one line here. */
export function createUpstreamKinds(context: UpstreamKindContext = {}): UpstreamKindRegistry {
  return new UpstreamKindRegistry({
    anthropic_api: context.connectLookup ? createAnthropicApiKind(context.connectLookup) : anthropicApiKind,
    claude_cli: createClaudeCliKind(context.claudeCli),
    mock: mockKind,
  });
}

export type { AccountKind, UpstreamKindDefinition } from './types.js';

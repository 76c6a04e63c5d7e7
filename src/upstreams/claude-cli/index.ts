import { UpstreamTransportError } from '../errors.js';
import type { Upstream, UpstreamAccount, UpstreamKindDefinition } from '../types.js';
import type { ClaudeCliContext } from './context.js';
import { ClaudeCliUpstream } from './upstream.js';

/**
 * The `claude_cli` account kind: requests served by headless Claude Code processes (the real
 * `claude` binary, tools off) under the account's own config dir and credentials. See
 * docs/claude-cli.md.
 */
export function createClaudeCliKind(context: ClaudeCliContext | undefined): UpstreamKindDefinition {
  return {
    kind: 'claude_cli',
    description:
      'Headless Claude Code CLI processes: an API key (--api-key-env), an OAuth token from `claude setup-token` (--oauth-token-env), or a login made with `accounts login`.',
    requiresCredential: false,
    simulated: false,
    create: (account: UpstreamAccount): Upstream =>
      context ? new ClaudeCliUpstream(account, context) : new UnavailableUpstream(),
  };
}

/** Where no CLI context was given (unit fixtures): refuses clearly instead of spawning anything. */
class UnavailableUpstream implements Upstream {
  readonly kind = 'claude_cli' as const;
  async send(): Promise<never> {
    throw new UpstreamTransportError('connect', 'claude_cli accounts are not available in this process.');
  }
  async listModels() {
    return undefined;
  }
  async test() {
    return {
      ok: false,
      status: null,
      detail: 'claude_cli accounts are not available in this process.',
      latencyMs: 0,
    };
  }
  async close() {}
}

export { ClaudeCliContext, claudeCliOptionsOf, type ClaudeCliOptions } from './context.js';
export { CREDENTIAL_TYPES, accountPaths, prepareAccountPaths, type CredentialType } from './environment.js';
export { resolveClaudeBinary, PINNED_CLAUDE_VERSION } from './binary.js';

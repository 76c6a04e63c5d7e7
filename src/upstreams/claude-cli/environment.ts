import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { UpstreamAccount } from '../types.js';

/**
 * Where a `claude_cli` account lives on disk and the environment its processes get. The
 * environment is built from scratch: nothing of the gateway's own (its master key, database URL,
 * other accounts' keys) reaches a child.
 */
export type CredentialType = 'api_key' | 'oauth_token' | 'none';

export const CREDENTIAL_TYPES: readonly CredentialType[] = ['api_key', 'oauth_token', 'none'];

/**
 * `settings.credentialType` says what the stored credential is; with no credential the login
 * stored in the account's config dir (`accounts login`) is used.
 */
export function credentialTypeOf(account: Pick<UpstreamAccount, 'credential' | 'settings'>): CredentialType {
  if (account.credential === null || account.credential === '') return 'none';
  return account.settings['credentialType'] === 'oauth_token' ? 'oauth_token' : 'api_key';
}

export interface AccountPaths {
  /** The account's directory, also the children's HOME. */
  root: string;
  /** CLAUDE_CONFIG_DIR: the login (for `none`), and the transcripts written for --resume. */
  configDir: string;
  /** The children's working directory: empty, so there is no project for the CLI to read. */
  workDir: string;
}

export function accountPaths(dataDir: string, accountId: string): AccountPaths {
  const root = path.join(dataDir, 'claude-cli', accountId);
  return { root, configDir: path.join(root, 'config'), workDir: path.join(root, 'work') };
}

/** Creates the account's directories (owner-only) and returns them with symlinks resolved. */
export async function prepareAccountPaths(paths: AccountPaths): Promise<AccountPaths> {
  for (const dir of [paths.root, paths.configDir, paths.workDir]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  // The CLI files transcripts under its working directory's real path.
  const root = await realpath(paths.root);
  return { root, configDir: path.join(root, 'config'), workDir: path.join(root, 'work') };
}

/** Per-request sampling settings the CLI takes from its environment (so: per process). */
export interface TurnParameters {
  maxTokens: number;
  temperature?: number | undefined;
  topK?: number | undefined;
  topP?: number | undefined;
  stopSequences?: string[] | undefined;
  /** Extended thinking budget; 0 turns thinking off. */
  thinkingBudget: number;
}

export interface ChildEnvironmentInput {
  paths: AccountPaths;
  searchPath: string;
  baseUrl: string | null;
  credentialType: CredentialType;
  credential: string | null;
  parameters?: TurnParameters | undefined;
}

export function childEnvironment(input: ChildEnvironmentInput): Record<string, string> {
  const env: Record<string, string> = {
    PATH: input.searchPath,
    HOME: input.paths.root,
    CLAUDE_CONFIG_DIR: input.paths.configDir,
    LANG: 'C.UTF-8',
    // Failover is the gateway's job: the CLI's own retries would hold a failing account for minutes.
    CLAUDE_CODE_MAX_RETRIES: '0',
    // A stream broken mid-way must not be silently re-sent as a non-streaming request.
    CLAUDE_CODE_DISABLE_NONSTREAMING_FALLBACK: '1',
    // `@/path` in a prompt must not read local files.
    CLAUDE_CODE_DISABLE_ATTACHMENTS: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  if (input.baseUrl) env['ANTHROPIC_BASE_URL'] = input.baseUrl;
  if (input.credential) {
    if (input.credentialType === 'oauth_token') env['CLAUDE_CODE_OAUTH_TOKEN'] = input.credential;
    else env['ANTHROPIC_API_KEY'] = input.credential;
  }
  const parameters = input.parameters;
  if (parameters) {
    env['CLAUDE_CODE_MAX_OUTPUT_TOKENS'] = String(parameters.maxTokens);
    env['MAX_THINKING_TOKENS'] = String(parameters.thinkingBudget);
    const extra: Record<string, unknown> = {};
    if (parameters.temperature !== undefined) extra['temperature'] = parameters.temperature;
    if (parameters.topK !== undefined) extra['top_k'] = parameters.topK;
    if (parameters.topP !== undefined) extra['top_p'] = parameters.topP;
    if (parameters.stopSequences !== undefined) extra['stop_sequences'] = parameters.stopSequences;
    if (Object.keys(extra).length > 0) env['CLAUDE_CODE_EXTRA_BODY'] = JSON.stringify(extra);
  }
  return env;
}

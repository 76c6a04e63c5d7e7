import { upstreamErrorBodySchema } from '../../protocols/anthropic/messages-schema.js';
import type { UpstreamAccount, UpstreamTestResult } from '../types.js';
import { claudeArgs } from './args.js';
import { claudeVersion, PINNED_CLAUDE_VERSION } from './binary.js';
import type { ClaudeCliContext } from './context.js';
import { childEnvironment, type AccountPaths, type CredentialType } from './environment.js';
import { CliProcess } from './process.js';
import { runTurn } from './turn.js';

/** The model `accounts test` asks (the cheapest), unless the account's settings name another. */
export const DEFAULT_TEST_MODEL = 'claude-haiku-4-5-20251001';
const TEST_TIMEOUT_MS = 60_000;

const HINTS: Record<CredentialType, string> = {
  none: 'Sign in with `switchyard accounts login <account>`.',
  oauth_token: 'Make a new token with `claude setup-token` and add the account again.',
  api_key: 'Replace the API key.',
};

/**
 * `accounts test` for a CLI account: finds the binary, reports its version (and whether it is the
 * pinned one), then runs one tiny turn (a handful of tokens) through a process of its own, so the
 * binary, the environment and the credentials are all checked as a real request would use them.
 */
export async function testAccount(
  account: UpstreamAccount,
  context: ClaudeCliContext,
  credentialType: CredentialType,
  policyRefusal: string | undefined,
  preparePaths: () => Promise<AccountPaths>,
  signal: AbortSignal,
): Promise<UpstreamTestResult> {
  const started = performance.now();
  const result = (ok: boolean, status: number | null, detail: string): UpstreamTestResult => ({
    ok,
    status,
    detail,
    latencyMs: Math.round(performance.now() - started),
  });
  const binary = await context.binary();
  if (!binary.ok) return result(false, null, binary.message);
  let paths: AccountPaths;
  let version: string;
  try {
    paths = await preparePaths();
    version = await claudeVersion(binary.binary.path, { PATH: context.options.searchPath, HOME: paths.root });
  } catch (error) {
    return result(false, null, error instanceof Error ? error.message : String(error));
  }
  const cli =
    version === PINNED_CLAUDE_VERSION
      ? `Claude Code ${version}`
      : `Claude Code ${version} (Switchyard is tested with ${PINNED_CLAUDE_VERSION})`;
  if (policyRefusal) return result(false, null, `${cli}: ${policyRefusal}`);
  const model =
    typeof account.settings['testModel'] === 'string' ? account.settings['testModel'] : DEFAULT_TEST_MODEL;
  const process = new CliProcess(
    {
      binary: binary.binary.path,
      args: claudeArgs({ model, systemPrompt: { text: '' }, credentialType }),
      env: childEnvironment({
        paths,
        searchPath: context.options.searchPath,
        baseUrl: account.baseUrl,
        credentialType,
        credential: account.credential,
        parameters: { maxTokens: 16, thinkingBudget: 0 },
      }),
      cwd: paths.workDir,
    },
    () => undefined,
  );
  try {
    const response = await runTurn({
      process,
      content: 'Reply with the single word: ok',
      stream: false,
      firstByteTimeoutMs: TEST_TIMEOUT_MS,
      idleTimeoutMs: TEST_TIMEOUT_MS,
      signal,
      onFinished: () => undefined,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString('utf8');
    const who = `${cli} (${binary.binary.path}), credential: ${credentialType}`;
    if (response.status === 200) return result(true, 200, `${who}: the account answered.`);
    const message = errorMessage(text) ?? `HTTP ${response.status}`;
    if (response.status === 401 || response.status === 403)
      return result(
        false,
        response.status,
        `${who}: the credentials were rejected (${message}). ${HINTS[credentialType]}`,
      );
    return result(false, response.status, `${who}: HTTP ${response.status}: ${message}`);
  } catch (error) {
    return result(false, null, `${cli}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await process.stop();
  }
}

function errorMessage(text: string): string | undefined {
  try {
    const parsed = upstreamErrorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.error.message : undefined;
  } catch {
    return undefined;
  }
}

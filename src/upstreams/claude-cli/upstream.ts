import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { anthropicErrorBody } from '../../errors.js';
import { UpstreamTransportError } from '../errors.js';
import type {
  Upstream,
  UpstreamAccount,
  UpstreamModel,
  UpstreamRequest,
  UpstreamRequestShape,
  UpstreamResponse,
  UpstreamTestResult,
} from '../types.js';
import { testAccount } from './account-test.js';
import { claudeArgs } from './args.js';
import { singleChunk } from './chunk-queue.js';
import type { ClaudeCliContext } from './context.js';
import {
  accountPaths,
  childEnvironment,
  credentialTypeOf,
  prepareAccountPaths,
  type AccountPaths,
  type CredentialType,
} from './environment.js';
import { PoolAbortedError, PoolBusyError, type ProcessLease } from './pool-types.js';
import type { SpawnSpec } from './process.js';
import { escapeUserContent, extendHistory, planOf, type TurnPlan } from './request-plan.js';
import { writeTranscript } from './transcript.js';
import { runTurn } from './turn.js';

/** System prompts longer than this go to the CLI in a file (one argument is limited to 128 KiB). */
const PROMPT_ARGUMENT_LIMIT = 64 * 1024;

/** An account served by headless Claude Code processes from the shared pool. */
export class ClaudeCliUpstream implements Upstream {
  readonly kind = 'claude_cli' as const;
  private readonly credentialType: CredentialType;
  private paths: Promise<AccountPaths> | undefined;

  constructor(
    private readonly account: UpstreamAccount,
    private readonly context: ClaudeCliContext,
  ) {
    this.credentialType = credentialTypeOf(account);
  }

  unsupported(request: UpstreamRequestShape): string | undefined {
    if (request.operation !== 'messages') return 'claude_cli accounts cannot count tokens.';
    const plan = planOf(request.body);
    return plan.ok ? undefined : plan.reason;
  }

  /** The operator allows API keys only, and this account signs in otherwise. */
  private policyRefusal(): string | undefined {
    if (!this.context.options.apiKeysOnly || this.credentialType === 'api_key') return undefined;
    return `The claude_cli account ${this.account.name} uses a ${this.credentialType === 'none' ? 'subscription login' : 'OAuth token'}, and CLAUDE_CLI_API_KEYS_ONLY allows API keys only.`;
  }

  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    const started = performance.now();
    if (request.signal.aborted) throw new UpstreamTransportError('aborted', 'The request was aborted.');
    const refusal = this.unsupported(request);
    if (refusal) return errorResponse(400, 'invalid_request_error', refusal);
    const policy = this.policyRefusal();
    if (policy) return errorResponse(403, 'permission_error', policy);
    const plan = (planOf(request.body) as { ok: true; plan: TurnPlan }).plan;
    const binary = await this.context.binary();
    if (!binary.ok) throw new UpstreamTransportError('connect', binary.message);
    const paths = await this.preparedPaths();
    let lease: ProcessLease;
    try {
      lease = await this.context.pool.acquire({
        owner: this,
        accountName: this.account.name,
        configKey: plan.configKey,
        history: plan.priorKey,
        start: (resume) => this.spawnSpec(binary.binary.path, paths, plan, resume),
        waitMs: request.firstByteTimeoutMs,
        signal: request.signal,
      });
    } catch (error) {
      if (error instanceof PoolAbortedError) throw new UpstreamTransportError('aborted', error.message);
      const message =
        error instanceof PoolBusyError ? error.message : 'Could not start a Claude Code process.';
      throw new UpstreamTransportError('connect', message, { cause: error });
    }
    return runTurn({
      process: lease.process,
      content: escapeUserContent(plan.next.content),
      stream: request.stream,
      firstByteTimeoutMs: Math.max(1, request.firstByteTimeoutMs - (performance.now() - started)),
      idleTimeoutMs: Math.min(request.idleTimeoutMs, this.context.options.idleTimeoutMs),
      signal: request.signal,
      onAnswered: (answer) =>
        lease.expect(
          extendHistory(plan.nextKey, {
            role: 'assistant',
            content: answer.map((block) => ({ ...block, type: String(block['type']) })),
          }),
        ),
      onFinished: ({ clean, abandoned }) => lease.release({ clean, abandoned }),
      onAccountSignal: (signal) => this.context.accountSignal(this.account.name, signal),
    });
  }

  private preparedPaths(): Promise<AccountPaths> {
    this.paths ??= prepareAccountPaths(accountPaths(this.context.options.dataDir, this.account.id)).catch(
      (error: unknown) => {
        this.paths = undefined;
        throw new UpstreamTransportError('connect', 'Cannot create the account directory.', { cause: error });
      },
    );
    return this.paths;
  }

  private async spawnSpec(
    binary: string,
    paths: AccountPaths,
    plan: TurnPlan,
    resume: boolean,
  ): Promise<SpawnSpec> {
    const readOnce: string[] = [];
    const owned: string[] = [];
    let resumeSessionId: string | undefined;
    if (resume) {
      const transcript = await writeTranscript(paths, plan.prior, plan.model);
      resumeSessionId = transcript.sessionId;
      readOnce.push(transcript.file);
    }
    let systemPrompt: { text: string } | { file: string } = { text: plan.systemPrompt };
    if (Buffer.byteLength(plan.systemPrompt) > PROMPT_ARGUMENT_LIMIT) {
      const dir = path.join(paths.root, 'prompts');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, `${randomUUID()}.txt`);
      await writeFile(file, plan.systemPrompt, { mode: 0o600 });
      owned.push(file);
      systemPrompt = { file };
    }
    return {
      binary,
      args: claudeArgs({
        model: plan.model,
        systemPrompt,
        credentialType: this.credentialType,
        resumeSessionId,
      }),
      env: childEnvironment({
        paths,
        searchPath: this.context.options.searchPath,
        baseUrl: this.account.baseUrl,
        credentialType: this.credentialType,
        credential: this.account.credential,
        parameters: plan.parameters,
      }),
      cwd: paths.workDir,
      readOnce,
      owned,
    };
  }

  async listModels(): Promise<UpstreamModel[] | undefined> {
    return undefined;
  }

  test(signal: AbortSignal): Promise<UpstreamTestResult> {
    return testAccount(
      this.account,
      this.context,
      this.credentialType,
      this.policyRefusal(),
      () => this.preparedPaths(),
      signal,
    );
  }

  async close(): Promise<void> {
    await this.context.pool.closeOwner(this);
  }
}

function errorResponse(
  status: number,
  type: Parameters<typeof anthropicErrorBody>[0],
  message: string,
): UpstreamResponse {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: singleChunk(Buffer.from(JSON.stringify(anthropicErrorBody(type, message)))),
  };
}

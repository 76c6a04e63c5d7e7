import path from 'node:path';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../observability/logger.js';
import { resolveClaudeBinary, type BinaryResolution } from './binary.js';
import { ProcessPool } from './pool.js';
import type { PoolLimits } from './pool-types.js';
import { sweepTranscripts } from './transcript.js';
import type { AccountSignal } from './translate.js';

/** What `claude_cli` accounts share in one gateway (or one command-line run). */
export interface ClaudeCliOptions extends PoolLimits {
  dataDir: string;
  /** SWITCHYARD_CLAUDE_BIN, if set. */
  binary: string | undefined;
  searchPath: string;
  idleTimeoutMs: number;
  apiKeysOnly: boolean;
}

export function claudeCliOptionsOf(config: Pick<Config, 'dataDir' | 'claudeCli'>): ClaudeCliOptions {
  const { claudeCli } = config;
  return {
    dataDir: config.dataDir,
    binary: claudeCli.binary,
    searchPath: claudeCli.searchPath,
    idleTimeoutMs: claudeCli.idleTimeoutMs,
    apiKeysOnly: claudeCli.apiKeysOnly,
    maxProcesses: claudeCli.maxProcesses,
    warmSpares: claudeCli.warmSpares,
    processIdleMs: claudeCli.processIdleMs,
    spawnsPerSecond: claudeCli.spawnsPerSecond,
  };
}

const SWEEP_INTERVAL_MS = 60_000;
/** A transcript is read at its process's start; one this old was left behind. */
const TRANSCRIPT_MAX_AGE_MS = 10 * 60_000;

export class ClaudeCliContext {
  readonly pool: ProcessPool;
  /** Credential rejections per account name, for the metrics. */
  readonly authFailures = new Map<string, number>();
  private resolved: Promise<BinaryResolution> | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    readonly options: ClaudeCliOptions,
    readonly logger: Logger,
    private readonly cwd: string = process.cwd(),
  ) {
    this.pool = new ProcessPool(options, logger);
  }

  get root(): string {
    return path.join(this.options.dataDir, 'claude-cli');
  }

  /** The `claude` binary, looked up once. */
  binary(): Promise<BinaryResolution> {
    this.resolved ??= resolveClaudeBinary({
      configured: this.options.binary,
      cwd: this.cwd,
      searchPath: this.options.searchPath,
    }).then((result) => {
      if (result.ok)
        this.logger.info({ binary: result.binary.path, source: result.binary.source }, 'claude binary found');
      else this.logger.error({ detail: result.message }, 'claude binary not found');
      return result;
    });
    return this.resolved;
  }

  accountSignal(account: string, signal: AccountSignal): void {
    if (signal.kind === 'auth_failed') {
      this.authFailures.set(account, (this.authFailures.get(account) ?? 0) + 1);
      this.logger.warn(
        { account, detail: signal.detail },
        'claude_cli account is not logged in or its credentials were rejected: run `switchyard accounts login` or replace the credential, then `accounts test`',
      );
    } else {
      this.logger.warn({ account, detail: signal.detail }, 'claude_cli account hit its usage limit');
    }
  }

  /** Starts the periodic removal of left-behind transcripts (the server does; one-off commands need not). */
  startMaintenance(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      sweepTranscripts(this.root, TRANSCRIPT_MAX_AGE_MS).catch((error: unknown) =>
        this.logger.warn({ err: error }, 'could not sweep claude_cli transcripts'),
      );
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Stops every process and the sweep. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.pool.close();
  }
}

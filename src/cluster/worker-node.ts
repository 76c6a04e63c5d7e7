/**
 * A worker of distributed mode (`switchyard worker --accounts a,b`): holds some accounts (their
 * credentials decrypted here only; a claude_cli account's config dir must be on this machine),
 * announces them in the worker registry with heartbeats, runs the jobs queued on their lanes
 * against the real upstream adapters, and writes the answers into result streams (JobRunner).
 */
import { guardedLookup } from '../identity/guarded-lookup.js';
import { createOutboundUrlGuard } from '../identity/outbound-url.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/index.js';
import type { SecretBox } from '../identity/secret-box.js';
import { upstreamAccountOf } from '../identity/upstream-account.js';
import type { Logger } from '../observability/logger.js';
import { closeWithGrace } from '../queue/close-with-grace.js';
import { laneOf } from '../queue/job.js';
import type { JobConsumer } from '../queue/job-queue.js';
import type { AccountRecord, AccountRepository } from '../store/types.js';
import { ClaudeCliContext, claudeCliOptionsOf } from '../upstreams/claude-cli/index.js';
import { createUpstreamKinds, type UpstreamKindRegistry } from '../upstreams/index.js';
import type { Upstream } from '../upstreams/types.js';
import { JobRunner } from './job-runner.js';
import type { QueueParts } from './queue-parts.js';
import { servedByWorker } from './served-by.js';
import { SWITCHYARD_VERSION } from './version.js';
import { WorkerDrain } from './worker-drain.js';
import { WorkerHeartbeat } from './worker-heartbeat.js';
import type { WorkerState } from './worker-registry.js';

export interface WorkerNodeOptions {
  /** Account names or ids to hold. */
  accounts: readonly string[];
  /** Jobs run at once in total; default: the sum of the accounts' maxConcurrency. */
  capacity?: number;
  /** Registry id; default `<host>-<pid>-<random>`. */
  id?: string;
}

export interface WorkerNode {
  id: string;
  accounts: AccountRecord[];
  runner: JobRunner;
  /** Jobs it runs at once in total (announced in the registry). */
  capacity: number;
  /** The Claude Code process pool of this worker's claude_cli accounts (for metrics). */
  claudeCli: ClaudeCliContext;
  /** `draining`/`drained` after an admin drained it (worker-drain.ts). */
  drainState(): WorkerState;
  /** Stops taking jobs, lets running ones finish within the grace period, deregisters. */
  stop(graceMs: number): Promise<{ finished: boolean }>;
  /** Stops heartbeats only (tests: a worker that hangs). */
  stopHeartbeats(): void;
}

export class WorkerAccountsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerAccountsError';
  }
}

interface Held {
  record: AccountRecord;
  fingerprint: string;
  upstream: Upstream;
}

export async function startWorkerNode(deps: {
  config: Config;
  repository: AccountRepository;
  secretBox: SecretBox;
  parts: QueueParts;
  logger: Logger;
  options: WorkerNodeOptions;
}): Promise<WorkerNode> {
  const { config, repository, secretBox, parts, logger, options } = deps;
  const records = await resolveAccounts(repository, options.accounts);
  for (const record of records) {
    if (!servedByWorker(record)) {
      logger.warn(
        { account: record.name, kind: record.kind },
        "gateways call this account directly (it is not claude_cli and its settings lack servedBy: 'worker'); no job will come for it",
      );
    }
  }
  const claudeCli = new ClaudeCliContext(claudeCliOptionsOf(config), logger);
  const kinds = createUpstreamKinds({
    claudeCli,
    connectLookup: guardedLookup(createOutboundUrlGuard(config.outbound)),
  });
  const held = new Map<string, Held>();
  for (const record of records) held.set(record.id, hold(record, kinds, secretBox, logger));
  claudeCli.startMaintenance();

  const runner = new JobRunner({
    results: parts.results,
    control: parts.control,
    upstreamOf: (id) => held.get(id)?.upstream,
    logger,
  });
  await runner.start();

  const id = options.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const capacity = options.capacity ?? records.reduce((sum, r) => sum + r.maxConcurrency, 0);
  const consumers: JobConsumer[] = records.map((record) =>
    parts.jobs.consume([laneOf(record.id, true)], runner.handle, {
      name: id,
      concurrency: Math.max(1, Math.min(record.maxConcurrency, capacity)),
      onError: (error, spec) =>
        logger.error({ err: error, requestId: spec.requestId, jobId: spec.jobId }, 'job handler failed'),
    }),
  );
  const beatFailed = (error: unknown) => logger.warn({ err: error }, 'worker heartbeat failed');
  const drain = new WorkerDrain(
    allOf(consumers),
    () => runner.inFlight,
    () => void heartbeat.beat().catch(beatFailed),
    logger,
  );
  const heartbeat = new WorkerHeartbeat(
    parts.workers,
    () => ({
      id,
      host: hostname(),
      accounts: records.map((r) => r.id),
      capacity,
      version: SWITCHYARD_VERSION,
      inFlight: runner.inFlight,
      state: drain.state,
    }),
    config.cluster.heartbeatIntervalMs,
    beatFailed,
    (reply) => drain.apply(reply.drain),
  );
  await heartbeat.start();

  // Credentials and settings change (a rotated key, a new login): pick them up like a gateway does.
  const refresh = setInterval(() => {
    void (async () => {
      for (const entry of held.values()) {
        const record = await repository.get(entry.record.id);
        if (!record || fingerprintOf(record) === entry.fingerprint) continue;
        const old = entry.upstream;
        held.set(record.id, hold(record, kinds, secretBox, logger));
        void old.close().catch(() => undefined);
      }
    })().catch((error: unknown) => logger.warn({ err: error }, 'could not reload held accounts'));
  }, config.accountRefreshIntervalMs);
  refresh.unref();

  let stopping: Promise<{ finished: boolean }> | undefined;
  return {
    id,
    accounts: records,
    runner,
    capacity,
    claudeCli,
    drainState: () => drain.state,
    // A hung worker: the registry marks it lost after WORKER_LOST_AFTER_MS.
    stopHeartbeats: () => heartbeat.pause(),
    stop: (graceMs) =>
      (stopping ??= (async () => {
        clearInterval(refresh);
        // Leave the registry first: gateways stop sending new jobs here at their next poll.
        await heartbeat.stop().catch((error: unknown) => logger.warn({ err: error }, 'could not deregister'));
        const finished = await closeWithGrace(allOf(consumers), graceMs);
        await Promise.allSettled([...held.values()].map((entry) => entry.upstream.close()));
        await claudeCli.close();
        return { finished };
      })()),
  };
}

async function resolveAccounts(
  repository: AccountRepository,
  refs: readonly string[],
): Promise<AccountRecord[]> {
  if (refs.length === 0)
    throw new WorkerAccountsError('Name the accounts this worker holds: --accounts a,b.');
  const records: AccountRecord[] = [];
  const missing: string[] = [];
  for (const ref of refs) {
    const record = (await repository.getByName(ref)) ?? (await repository.get(ref).catch(() => undefined));
    if (record) {
      if (!records.some((r) => r.id === record.id)) records.push(record);
    } else missing.push(ref);
  }
  if (missing.length > 0) throw new WorkerAccountsError(`No such account: ${missing.join(', ')}.`);
  return records;
}

function fingerprintOf(r: AccountRecord): string {
  return JSON.stringify([r.name, r.kind, r.baseUrl, r.encryptedCredential, r.settings]);
}

function hold(
  record: AccountRecord,
  kinds: UpstreamKindRegistry,
  secretBox: SecretBox,
  logger: Logger,
): Held {
  const { account, unreadable } = upstreamAccountOf(record, secretBox);
  if (unreadable) {
    logger.error(
      { account: record.name },
      'cannot decrypt the account credential: is SWITCHYARD_MASTER_KEY the key it was stored with?',
    );
  }
  return { record, fingerprint: fingerprintOf(record), upstream: kinds.get(record.kind).create(account) };
}

/** One consumer per account lane (each with the account's concurrency), closed, paused and resumed as one. */
function allOf(consumers: JobConsumer[]): JobConsumer {
  return {
    close: async (options) => {
      await Promise.all(consumers.map((consumer) => consumer.close(options)));
    },
    pause: async () => {
      await Promise.all(consumers.map((consumer) => consumer.pause()));
    },
    resume: async () => {
      await Promise.all(consumers.map((consumer) => consumer.resume()));
    },
  };
}

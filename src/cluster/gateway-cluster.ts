/**
 * What a distributed gateway (`switchyard gateway`) adds to the runtime: worker-served accounts
 * become queued upstreams (src/upstreams/queued/), candidates only while a live worker holds them
 * (the worker registry, polled), calls are tracked so queued attempts know their owner and
 * deadline, and GET /v1/requests/{id}/events can resume their streams.
 */
import type { Config } from '../config/index.js';
import { MessagesPipeline, type PipelineDeps } from '../gateway/pipeline.js';
import type { AccountPool, AccountPoolDeps } from '../gateway/scheduler/account-pool.js';
import type { Logger } from '../observability/logger.js';
import type { AdmissionQueue } from '../queue/admission-queue.js';
import { InProcessAdmissionQueue } from '../queue/in-process-admission-queue.js';
import { laneOf } from '../queue/job.js';
import type { RequestEventsSource } from '../server/routes/request-events.js';
import { QueuedUpstream } from '../upstreams/queued/index.js';
import { CallDirectory, TrackingPipeline } from './call-directory.js';
import type { QueueParts } from './queue-parts.js';
import { servedByWorker } from './served-by.js';
import { SharedAdmissionQueue } from './shared-admission-queue.js';
import { liveAccounts, type WorkerRecord } from './worker-registry.js';

/** How often a gateway reads the worker registry (at most; never slower than heartbeats). */
const MAX_POLL_MS = 1_000;

export class GatewayCluster {
  readonly calls = new CallDirectory();
  readonly requestEvents: RequestEventsSource;
  private timer: NodeJS.Timeout | undefined;
  private lastLive = '';
  private queue: AdmissionQueue | undefined;
  private lastWorkers: readonly WorkerRecord[] = [];

  constructor(
    readonly parts: QueueParts,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    this.requestEvents = {
      control: parts.control,
      results: parts.results,
      idleMs: config.upstream.idleTimeoutMs + 5_000,
    };
  }

  poolRemote(): NonNullable<AccountPoolDeps['remote']> {
    const deps = {
      jobs: this.parts.jobs,
      results: this.parts.results,
      control: this.parts.control,
      calls: this.calls,
      resultTtlMs: this.config.cluster.resultStream.ttlMs,
      logger: this.logger,
    };
    return {
      servedByWorker,
      create: (record, local) => new QueuedUpstream(record.id, laneOf(record.id, true), local, deps),
    };
  }

  /**
   * This gateway's wait queue: requests wait here but count cluster-wide, and releases on any
   * gateway wake them (once `start` has subscribed).
   */
  admissionQueue(maxDepth: number): AdmissionQueue {
    const state = this.parts.accountState;
    this.queue = state
      ? new SharedAdmissionQueue(maxDepth, () => state.depth())
      : new InProcessAdmissionQueue(maxDepth);
    return this.queue;
  }

  /** Reads the registry now, then keeps the pool's live accounts current. */
  async start(pool: AccountPool): Promise<void> {
    const queue = this.queue;
    if (queue) await this.parts.accountState?.subscribe(() => queue.wakeAll());
    await this.poll(pool);
    const every = Math.min(this.config.cluster.heartbeatIntervalMs, MAX_POLL_MS);
    this.timer = setInterval(() => {
      this.poll(pool).catch((error: unknown) =>
        this.logger.warn({ err: error }, 'could not read the worker registry'),
      );
    }, every);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The workers as of the last registry read, lost ones included (for the metrics). */
  workers(): readonly WorkerRecord[] {
    return this.lastWorkers;
  }

  private async poll(pool: AccountPool): Promise<void> {
    const workers = await this.parts.workers.list();
    this.lastWorkers = workers;
    const live = liveAccounts(workers);
    const ids = new Set(live.keys());
    pool.setLiveAccounts(ids);
    const summary = [...ids]
      .filter((id) => pool.isWorkerServed(id))
      .sort()
      .join(',');
    if (summary !== this.lastLive) {
      this.lastLive = summary;
      const names = [...ids].filter((id) => pool.isWorkerServed(id)).map((id) => pool.get(id)?.name ?? id);
      this.logger.info({ accounts: names }, 'worker-served accounts with a live worker');
    }
  }
}

/**
 * The pipeline of the runtime: calls tracked where queued or resumable upstreams need their owner
 * and deadline, the plain one otherwise.
 */
export function createPipeline(calls: CallDirectory | undefined, deps: PipelineDeps): MessagesPipeline {
  return calls ? new TrackingPipeline(deps, calls) : new MessagesPipeline(deps);
}

/**
 * A worker's drain (docs/admin-operations.md). An admin sets the worker's flag in the registry;
 * gateways stop queueing for its accounts at their next registry read, and the worker hears it in
 * the answer to its next heartbeat: it pauses its consumers, so running jobs finish and no new one
 * is taken, and reports `draining`, then `drained` once nothing runs. Undrain resumes them.
 */
import type { Logger } from '../observability/logger.js';
import type { JobConsumer } from '../queue/job-queue.js';
import type { WorkerState } from './worker-registry.js';

export class WorkerDrain {
  private wanted = false;
  /** The consumers' pause has completed (their running jobs finished). */
  private paused = false;
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly consumer: JobConsumer,
    private readonly inFlight: () => number,
    /** Tells the registry the new state now rather than at the next tick. */
    private readonly announce: () => void,
    private readonly logger: Logger,
  ) {}

  get state(): WorkerState {
    if (!this.wanted) return 'running';
    return this.paused && this.inFlight() === 0 ? 'drained' : 'draining';
  }

  /** The registry's word at each heartbeat: drain (true) or take jobs (false). */
  apply(drain: boolean): void {
    if (drain === this.wanted) return;
    this.wanted = drain;
    this.paused = false;
    this.logger.info(
      { inFlight: this.inFlight() },
      drain ? 'draining: taking no new jobs, finishing running ones' : 'undrained: taking jobs again',
    );
    // In order: a resume asked for during a pause waits for the pause (BullMQ needs it so).
    this.work = this.work
      .then(async () => {
        if (!drain) return this.consumer.resume();
        await this.consumer.pause();
        if (this.wanted) this.paused = true;
      })
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not pause or resume job consumers'))
      .then(() => {
        if (drain && this.paused) this.logger.info('drained: no job runs here');
        this.announce();
      });
    this.announce();
  }
}

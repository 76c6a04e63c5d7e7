import type { HeartbeatReply, WorkerAnnouncement, WorkerRegistry } from './worker-registry.js';

/**
 * Keeps one worker registered: a heartbeat now and every `intervalMs`, deregistration on stop.
 * A failed heartbeat (Redis away) is reported and retried at the next tick; missing a few is what
 * `lostAfterMs` allows for.
 */
export class WorkerHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  /** Off once paused or stopped: a late beat must not register a worker that left. */
  private beating = true;

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly announcement: () => WorkerAnnouncement,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
    /** What the registry answered (an admin's drain), after every heartbeat. */
    private readonly onReply?: (reply: HeartbeatReply) => void,
  ) {}

  async start(): Promise<void> {
    this.beating = true;
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch(this.onError);
    }, this.intervalMs);
    this.timer.unref();
  }

  /** One heartbeat now (also between ticks, when the worker's state changed). */
  async beat(): Promise<void> {
    if (!this.beating) return;
    const reply = await this.registry.heartbeat(this.announcement());
    this.onReply?.(reply);
  }

  /** Stops heartbeating without deregistering: the registry marks the worker lost (tests, faults). */
  pause(): void {
    this.beating = false;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async stop(): Promise<void> {
    this.beating = false;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.registry.deregister(this.announcement().id);
  }
}

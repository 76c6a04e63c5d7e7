import type { WorkerAnnouncement, WorkerRegistry } from './worker-registry.js';

/**
 * Keeps one worker registered: a heartbeat now and every `intervalMs`, deregistration on stop.
 * A failed heartbeat (Redis away) is reported and retried at the next tick; missing a few is what
 * `lostAfterMs` allows for.
 */
export class WorkerHeartbeat {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly announcement: () => WorkerAnnouncement,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  async start(): Promise<void> {
    await this.registry.heartbeat(this.announcement());
    this.timer = setInterval(() => {
      this.registry.heartbeat(this.announcement()).catch(this.onError);
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops heartbeating without deregistering: the registry marks the worker lost (tests, faults). */
  pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.registry.deregister(this.announcement().id);
  }
}

/**
 * Every Redis key Switchyard writes, in one place (docs/decisions/2026-12-01-distributed-mode.md
 * lists them with their types and lifetimes). All start with the configured prefix.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** BullMQ's own prefix: its keys are `<prefix>:q:<lane>:…`. */
  get bullPrefix(): string {
    return `${this.prefix}:q`;
  }

  /** A job's request body (binary string, TTL until the request's deadline). */
  body(jobId: string): string {
    return `${this.prefix}:body:${jobId}`;
  }

  /** A job's result stream (Redis Stream, bounded length, TTL refreshed on append). */
  result(streamId: string): string {
    return `${this.prefix}:res:${streamId}`;
  }

  /** Sorted set: worker id → last heartbeat (Redis server time, ms). */
  get workersSeen(): string {
    return `${this.prefix}:workers:seen`;
  }

  /** Hash: worker id → JSON of what it registered. */
  get workersInfo(): string {
    return `${this.prefix}:workers:info`;
  }

  /** Hash: worker id → first heartbeat of its current registration (ms). */
  get workersStarted(): string {
    return `${this.prefix}:workers:started`;
  }
}

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

  /** Hash: worker id → '1' for workers an admin drained; read by each heartbeat and listing. */
  get workersDrain(): string {
    return `${this.prefix}:workers:drain`;
  }

  /** String: set when a gateway cancels a job, so a worker that takes it later skips it. */
  cancel(jobId: string): string {
    return `${this.prefix}:cancel:${jobId}`;
  }

  /** Pub/sub channel: job ids cancelled by gateways; workers running them abort. */
  get cancelChannel(): string {
    return `${this.prefix}:cancels`;
  }

  /** Hash: who owns a request (api key id, user id) and which attempt's stream answers it. */
  request(requestId: string): string {
    return `${this.prefix}:req:${requestId}`;
  }
}

import { SwitchyardError } from '../errors.js';

/**
 * The job queue or result stream (Redis) cannot be reached. The client hears 503 with a
 * retry-after: the gateway neither waits for Redis nor queues requests in memory meanwhile.
 */
export class QueueUnavailableError extends SwitchyardError {
  constructor(cause?: unknown) {
    super('api_error', 'The request queue is unavailable. Retry shortly.', {
      status: 503,
      retryAfterSeconds: 2,
      cause,
    });
  }
}

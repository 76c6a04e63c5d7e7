/**
 * One upstream attempt as a job: what a worker needs to make it, and nothing secret. The
 * credential is resolved on the worker from the database by `accountId`; the request body is
 * handed to JobQueue.submit beside the spec (the Redis queue carries a small one inside the job).
 */
import { z } from 'zod';

/** BullMQ job ids must not contain ':' and must not be integers; ours are `req_…` plus an attempt. */
const JOB_ID = /^[A-Za-z][A-Za-z0-9_.~-]{0,127}$/;
/** Lane names become BullMQ queue names (and Redis key parts): no ':' and no spaces. */
const LANE = /^[a-z][a-z0-9_.-]{0,99}$/;

export const jobSpecSchema = z.object({
  /** Unique per attempt; a second submit of the same id is not run again (idempotency). */
  jobId: z.string().regex(JOB_ID),
  requestId: z.string().min(1).max(128),
  attempt: z.number().int().positive(),
  /** The queue the job waits in: `shared` (any worker) or one account's own lane. */
  lane: z.string().regex(LANE),
  accountId: z.string().min(1).max(128),
  operation: z.enum(['messages', 'count_tokens']),
  stream: z.boolean(),
  model: z.string().min(1).max(256),
  anthropicVersion: z.string().max(64).optional(),
  anthropicBeta: z.string().max(1024).optional(),
  /** Absolute deadline, ms since epoch: a worker that takes the job later drops it. */
  deadline: z.number().int().positive(),
  firstByteTimeoutMs: z.number().int().positive(),
  idleTimeoutMs: z.number().int().positive(),
});

export type JobSpec = z.infer<typeof jobSpecSchema>;

/** Jobs any worker may run (accounts whose credential lives in the database). */
export const SHARED_LANE = 'shared';

/**
 * The lane of an account. An account pinned to the machine that holds it (a `claude_cli`
 * account's config dir) gets its own lane, consumed only by the worker that holds it.
 */
export function laneOf(accountId: string, pinnedToWorker: boolean): string {
  if (!pinnedToWorker) return SHARED_LANE;
  return `account.${accountId.toLowerCase().replace(/[^a-z0-9_-]/g, '-')}`;
}

export function jobIdOf(requestId: string, attempt: number): string {
  return `${requestId}.${attempt}`;
}

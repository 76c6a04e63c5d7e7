/**
 * Which workers exist and which accounts they hold. A worker registers and then heartbeats; one
 * whose last heartbeat is older than `lostAfterMs` is lost, and its accounts leave the pool until
 * it heartbeats again. Lost workers are forgotten after `forgetAfterMs`. Times come from one clock
 * (Redis's, in distributed mode) so machines with skewed clocks still agree.
 */
export interface WorkerAnnouncement {
  id: string;
  host: string;
  /** Account ids this worker can serve (its claude_cli accounts, or every anthropic_api one). */
  accounts: string[];
  /** Jobs it runs at once. */
  capacity: number;
  version: string;
  /** Jobs running as of this heartbeat (absent from workers older than the admin pages). */
  inFlight?: number;
  /** Whether it takes jobs: `draining` finishes its running jobs, `drained` has none left. */
  state?: WorkerState;
}

export type WorkerStatus = 'live' | 'lost';
export type WorkerState = 'running' | 'draining' | 'drained';

export interface WorkerRecord extends WorkerAnnouncement {
  status: WorkerStatus;
  startedAt: number;
  lastSeenAt: number;
  /** An admin asked it to drain (it hears so at its next heartbeat). */
  drain: boolean;
}

/** What the registry tells a worker at each heartbeat. */
export interface HeartbeatReply {
  /** Stop taking jobs (an admin drained it); false: take jobs. */
  drain: boolean;
}

export interface WorkerRegistry {
  /** Registers or refreshes the worker (the same call is the heartbeat). */
  heartbeat(worker: WorkerAnnouncement): Promise<HeartbeatReply>;
  /** A worker leaving on purpose: gone at once, not lost. */
  deregister(id: string): Promise<void>;
  /**
   * Asks a registered worker to drain (true) or to take jobs again (false); false when no such
   * worker is registered. Gateways stop queueing for a draining worker at their next registry read.
   */
  setDrain(id: string, drain: boolean): Promise<boolean>;
  /** Every known worker, live ones and lost ones not yet forgotten. */
  list(): Promise<WorkerRecord[]>;
}

export interface WorkerRegistryTiming {
  lostAfterMs: number;
  forgetAfterMs: number;
}

/** Account id → live workers holding it and taking jobs (not drained): the accounts the pool may use. */
export function liveAccounts(workers: readonly WorkerRecord[]): Map<string, string[]> {
  const holders = new Map<string, string[]>();
  for (const worker of workers) {
    if (worker.status !== 'live' || worker.drain) continue;
    for (const account of worker.accounts) {
      const list = holders.get(account);
      if (list) list.push(worker.id);
      else holders.set(account, [worker.id]);
    }
  }
  return holders;
}

export function statusOf(lastSeenAt: number, now: number, timing: WorkerRegistryTiming): WorkerStatus {
  return now - lastSeenAt <= timing.lostAfterMs ? 'live' : 'lost';
}

import type { CancelSignal } from '../../cancel-signal.js';
import type { CliProcess, SpawnSpec } from './process.js';

/** The process pool's contract (pool.ts implements it): requests, leases, limits, stats, errors. */

export interface PoolLimits {
  maxProcesses: number;
  warmSpares: number;
  processIdleMs: number;
  spawnsPerSecond: number;
}

export interface ProcessRequest {
  /** The upstream asking (one per account configuration); processes are never shared across owners. */
  owner: object;
  accountName: string;
  configKey: string;
  /** The conversation so far (chained hash); '' for a new one. */
  history: string;
  /** How to start a process for this owner and configuration; `resume` writes the history first. */
  start(resume: boolean): Promise<SpawnSpec>;
  /** How long to wait for a free slot or a spawn token. */
  waitMs: number;
  signal: CancelSignal;
}

export type ProcessOrigin = 'conversation' | 'spare' | 'cold' | 'resume';

export interface ProcessLease {
  process: CliProcess;
  origin: ProcessOrigin;
  /** The client has its answer: once the turn ends cleanly, the process holds this history. */
  expect(history: string): void;
  /** The turn is over. Unclean turns stop the process (abandoned ones are interrupted first). */
  release(result: { clean: boolean; abandoned: boolean }): void;
}

export class PoolBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoolBusyError';
  }
}

export class PoolAbortedError extends Error {
  constructor() {
    super('The request was aborted while waiting for a Claude Code process.');
    this.name = 'PoolAbortedError';
  }
}

export interface PoolStats {
  maxProcesses: number;
  processes: { starting: number; spare: number; idle: number; busy: number; stopping: number };
  spawns: { cold: number; resume: number; spare: number };
  reuses: { conversation: number; spare: number };
  evictions: { idle: number; capacity: number };
  /** Processes that ended without being asked to. */
  unexpectedExits: number;
  /** The live processes, for memory metrics and diagnostics. */
  live: { pid: number; account: string; state: 'starting' | 'spare' | 'idle' | 'busy' }[];
}

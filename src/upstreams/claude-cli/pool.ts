import { sleepUnlessCancelled, type CancelSignal } from '../../cancel-signal.js';
import type { Logger } from '../../observability/logger.js';
import {
  PoolAbortedError,
  PoolBusyError,
  type PoolLimits,
  type PoolStats,
  type ProcessLease,
  type ProcessOrigin,
  type ProcessRequest,
} from './pool-types.js';
import { CliProcess, type SpawnSpec } from './process.js';
import { SpawnRate } from './spawn-rate.js';

/**
 * The `claude` processes of every `claude_cli` account, shared so one limit bounds the machine.
 * A process is a warm spare (started, never used), busy (serving a turn), or idle holding a
 * conversation: a request whose history is that conversation plus one user message takes it back
 * (~20 ms instead of a ~0.6 s spawn). New conversations take a spare of their account and
 * configuration (model, system prompt, sampling), and a replacement spare is started behind them;
 * a configuration gets spares once a second conversation uses it (one-off prompts get none).
 * Bounded by a process count, an idle time and a spawn rate.
 */
interface Entry {
  process: CliProcess;
  owner: object;
  accountName: string;
  configKey: string;
  state: 'spare' | 'idle' | 'busy';
  /** The conversation the process holds ('' for a spare). */
  history: string;
  /** While busy: the history once the turn ends, when the client already has its answer. */
  expected: string | undefined;
  lastUsedAt: number;
}

interface Starter {
  owner: object;
  accountName: string;
  configKey: string;
  start: () => Promise<SpawnSpec>;
  lastUsedAt: number;
  /** New conversations seen for this configuration: a spare is kept once there is a second. */
  newConversations: number;
}

/** How long a request waits for a conversation's process to finish its previous turn. */
const FINISHING_WAIT_MS = 5_000;
/** How long after a turn starts its replacement spare is spawned (see replenishSoon). */
const REPLENISH_DELAY_MS = 300;
const SAMPLE_LIMIT = 1_000;

export class ProcessPool {
  private readonly entries = new Set<Entry>();
  private readonly stopping = new Set<CliProcess>();
  private readonly starters = new Map<string, Starter>();
  private readonly closedOwners = new WeakSet<object>();
  private readonly rate: SpawnRate;
  private reserved = 0;
  private waiters: (() => void)[] = [];
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;
  private readonly counts = {
    spawns: { cold: 0, resume: 0, spare: 0 },
    reuses: { conversation: 0, spare: 0 },
    evictions: { idle: 0, capacity: 0 },
    unexpectedExits: 0,
  };
  /** Spawn-to-ready times (ms) not yet collected by the metrics. */
  private readySamples: number[] = [];

  constructor(
    private readonly limits: PoolLimits,
    private readonly logger: Logger,
  ) {
    this.rate = new SpawnRate(limits.spawnsPerSecond);
    this.sweeper = setInterval(() => this.sweep(), Math.min(5_000, Math.max(100, limits.processIdleMs / 2)));
    this.sweeper.unref();
  }

  async acquire(request: ProcessRequest): Promise<ProcessLease> {
    const until = performance.now() + request.waitMs;
    const finishingUntil = Math.min(until, performance.now() + FINISHING_WAIT_MS);
    const starterKey = this.remember(request);
    for (;;) {
      if (this.closed || this.closedOwners.has(request.owner))
        throw new PoolBusyError('The process pool is closed.');
      if (request.signal.aborted) throw new PoolAbortedError();
      const matches = (e: Entry) => e.owner === request.owner && e.configKey === request.configKey;
      if (request.history !== '') {
        const idle = this.find((e) => matches(e) && e.state === 'idle' && e.history === request.history);
        if (idle) return this.lease(idle, 'conversation');
        const finishing = this.find(
          (e) => matches(e) && e.state === 'busy' && e.expected === request.history,
        );
        if (finishing && performance.now() < finishingUntil) {
          await this.waitForChange(finishingUntil, request.signal);
          continue;
        }
      } else {
        const spare =
          this.find((e) => matches(e) && e.state === 'spare' && e.process.readyAt !== undefined) ??
          this.find((e) => matches(e) && e.state === 'spare');
        if (spare) {
          const lease = this.lease(spare, 'spare');
          this.replenishSoon(starterKey);
          return lease;
        }
      }
      if (this.entries.size + this.reserved >= this.limits.maxProcesses && !this.evictOne()) {
        if (performance.now() >= until) {
          throw new PoolBusyError(
            `All ${this.limits.maxProcesses} Claude Code processes are busy (CLAUDE_CLI_MAX_PROCESSES).`,
          );
        }
        await this.waitForChange(until, request.signal);
        continue;
      }
      return this.spawnFor(request, starterKey, until);
    }
  }

  private async spawnFor(request: ProcessRequest, starterKey: string, until: number): Promise<ProcessLease> {
    this.reserved += 1;
    let reserving = true;
    try {
      const wait = this.rate.reserve();
      if (wait > 0) {
        if (performance.now() + wait > until) {
          this.rate.giveBack();
          throw new PoolBusyError(
            'Claude Code processes are being started as fast as allowed (CLAUDE_CLI_SPAWNS_PER_SECOND).',
          );
        }
        await sleepUnlessCancelled(wait, request.signal, () => new PoolAbortedError());
      }
      const resume = request.history !== '';
      const spec = await request.start(resume);
      if (this.closed || this.closedOwners.has(request.owner))
        throw new PoolBusyError('The process pool is closed.');
      const entry = this.add(spec, request, 'busy');
      // The process now counts as an entry: its reserved slot goes back before a spare is
      // considered, or the new process would be counted twice against maxProcesses.
      this.reserved -= 1;
      reserving = false;
      this.counts.spawns[resume ? 'resume' : 'cold'] += 1;
      const lease = this.lease(entry, resume ? 'resume' : 'cold');
      this.replenishSoon(starterKey);
      return lease;
    } finally {
      if (reserving) this.reserved -= 1;
    }
  }

  /**
   * Starts the replacement spare a moment after a turn has begun: a spawn costs most of a core
   * for ~0.7 s, and started at once it slowed the very turn that took the spare (measured: first
   * turn ~180 ms with the spawn alongside, ~77 ms without).
   */
  private replenishSoon(starterKey: string): void {
    setTimeout(() => this.replenish(starterKey), REPLENISH_DELAY_MS).unref();
  }

  private remember(request: ProcessRequest): string {
    const key = `${this.ownerId(request.owner)}\n${request.configKey}`;
    const seen = this.starters.get(key)?.newConversations ?? 0;
    this.starters.set(key, {
      owner: request.owner,
      accountName: request.accountName,
      configKey: request.configKey,
      start: () => request.start(false),
      lastUsedAt: performance.now(),
      newConversations: seen + (request.history === '' ? 1 : 0),
    });
    return key;
  }

  private readonly ownerIds = new WeakMap<object, number>();
  private nextOwnerId = 1;
  private ownerId(owner: object): number {
    let id = this.ownerIds.get(owner);
    if (id === undefined) this.ownerIds.set(owner, (id = this.nextOwnerId++));
    return id;
  }

  private find(predicate: (entry: Entry) => boolean): Entry | undefined {
    for (const entry of this.entries) if (predicate(entry) && entry.process.alive) return entry;
    return undefined;
  }

  private add(
    spec: SpawnSpec,
    request: Pick<ProcessRequest, 'owner' | 'accountName' | 'configKey'>,
    state: Entry['state'],
  ): Entry {
    const process = new CliProcess(spec, (p) => this.onExit(p));
    const entry: Entry = {
      process,
      owner: request.owner,
      accountName: request.accountName,
      configKey: request.configKey,
      state,
      history: '',
      expected: undefined,
      lastUsedAt: performance.now(),
    };
    this.entries.add(entry);
    void process.whenReady().then(() => {
      if (process.readyAt === undefined) return;
      this.readySamples.push(process.readyAt - process.spawnedAt);
      if (this.readySamples.length > SAMPLE_LIMIT)
        this.readySamples.splice(0, this.readySamples.length - SAMPLE_LIMIT);
    });
    return entry;
  }

  private lease(entry: Entry, origin: ProcessOrigin): ProcessLease {
    entry.state = 'busy';
    entry.expected = undefined;
    entry.lastUsedAt = performance.now();
    if (origin === 'conversation' || origin === 'spare') this.counts.reuses[origin] += 1;
    let released = false;
    return {
      process: entry.process,
      origin,
      expect: (history) => {
        if (!released) entry.expected = history;
        this.notify();
      },
      release: ({ clean, abandoned }) => {
        if (released) return;
        released = true;
        const keep =
          clean &&
          entry.expected !== undefined &&
          entry.process.alive &&
          !this.closed &&
          !this.closedOwners.has(entry.owner);
        if (keep) {
          entry.state = 'idle';
          entry.history = entry.expected as string;
          entry.expected = undefined;
          entry.lastUsedAt = performance.now();
        } else {
          this.retire(entry, abandoned);
        }
        this.notify();
      },
    };
  }

  /** Starts a spare for a configuration in use, if there is room and a spawn token right now. */
  private replenish(starterKey: string): void {
    const starter = this.starters.get(starterKey);
    // A configuration seen in one conversation only (a one-off system prompt) gets no spare.
    if (!starter || starter.newConversations < 2 || this.limits.warmSpares === 0 || this.closed) return;
    let spares = 0;
    for (const e of this.entries) {
      if (e.owner === starter.owner && e.configKey === starter.configKey && e.state === 'spare') spares++;
    }
    if (spares >= this.limits.warmSpares) return;
    if (this.entries.size + this.reserved >= this.limits.maxProcesses || !this.rate.tryTake()) return;
    this.reserved += 1;
    starter
      .start()
      .then((spec) => {
        if (this.closed || this.closedOwners.has(starter.owner)) return;
        this.add(spec, starter, 'spare');
        this.counts.spawns.spare += 1;
        this.notify();
      })
      .catch((error: unknown) =>
        this.logger.warn(
          { err: error, account: starter.accountName },
          'could not start a spare Claude Code process',
        ),
      )
      .finally(() => {
        this.reserved -= 1;
      });
  }

  /** Stops the least recently used process that is not serving a turn. */
  private evictOne(): boolean {
    let oldest: Entry | undefined;
    for (const e of this.entries) {
      if (e.state === 'busy') continue;
      if (!oldest || e.lastUsedAt < oldest.lastUsedAt) oldest = e;
    }
    if (!oldest) return false;
    this.counts.evictions.capacity += 1;
    this.retire(oldest, false);
    return true;
  }

  private retire(entry: Entry, abandoned: boolean): void {
    if (!this.entries.delete(entry)) return;
    if (!entry.process.alive) return;
    this.stopping.add(entry.process);
    void (abandoned ? entry.process.abandon() : entry.process.stop());
  }

  private onExit(process: CliProcess): void {
    if (this.stopping.delete(process)) return this.notify();
    for (const entry of this.entries) {
      if (entry.process !== process) continue;
      this.entries.delete(entry);
      this.counts.unexpectedExits += 1;
      this.logger.warn(
        { account: entry.accountName, pid: process.pid, state: entry.state, exit: process.exitedWith },
        'a Claude Code process ended unexpectedly',
      );
    }
    this.notify();
  }

  private sweep(): void {
    const now = performance.now();
    for (const entry of this.entries) {
      if (entry.state !== 'busy' && now - entry.lastUsedAt > this.limits.processIdleMs) {
        this.counts.evictions.idle += 1;
        this.retire(entry, false);
      }
    }
    for (const [key, starter] of this.starters) {
      if (now - starter.lastUsedAt > this.limits.processIdleMs) this.starters.delete(key);
    }
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  private waitForChange(until: number, signal: CancelSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, until - performance.now()));
      signal.addEventListener('abort', done, { once: true });
      this.waiters.push(done);
    });
  }

  /** Stops an owner's processes (its account was removed or reconfigured); busy ones after their turn. */
  async closeOwner(owner: object): Promise<void> {
    this.closedOwners.add(owner);
    const exits: Promise<void>[] = [];
    for (const entry of this.entries) {
      if (entry.owner !== owner || entry.state === 'busy') continue;
      exits.push(entry.process.exited);
      this.retire(entry, false);
    }
    for (const [key, starter] of this.starters) if (starter.owner === owner) this.starters.delete(key);
    await Promise.all(exits);
  }

  /** Stops every process: interrupts turns in progress, then SIGINT/SIGKILL whatever lingers. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const exits = [...this.stopping].map((p) => p.exited);
    for (const entry of [...this.entries]) {
      exits.push(entry.process.exited);
      this.retire(entry, entry.state === 'busy');
    }
    this.starters.clear();
    this.notify();
    await Promise.all(exits);
  }

  /** Spawn-to-ready times (seconds) since the last call. */
  drainReadySamples(): number[] {
    return this.readySamples.splice(0).map((ms) => ms / 1000);
  }

  stats(): PoolStats {
    const processes = { starting: 0, spare: 0, idle: 0, busy: 0, stopping: this.stopping.size };
    const live: PoolStats['live'] = [];
    for (const e of this.entries) {
      const state = e.state === 'spare' && e.process.readyAt === undefined ? 'starting' : e.state;
      processes[state]++;
      if (e.process.pid !== undefined) live.push({ pid: e.process.pid, account: e.accountName, state });
    }
    return {
      maxProcesses: this.limits.maxProcesses,
      processes,
      spawns: { ...this.counts.spawns },
      reuses: { ...this.counts.reuses },
      evictions: { ...this.counts.evictions },
      unexpectedExits: this.counts.unexpectedExits,
      live,
    };
  }
}

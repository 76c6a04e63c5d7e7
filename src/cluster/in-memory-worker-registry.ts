import {
  statusOf,
  type HeartbeatReply,
  type WorkerAnnouncement,
  type WorkerRecord,
  type WorkerRegistry,
  type WorkerRegistryTiming,
} from './worker-registry.js';
import { compareOrdinal } from '../ordinal-compare.js';

interface Entry {
  announcement: WorkerAnnouncement;
  startedAt: number;
  lastSeenAt: number;
}

/** The registry of embedded mode (the process is its own only worker), and for tests. */
export class InMemoryWorkerRegistry implements WorkerRegistry {
  private readonly workers = new Map<string, Entry>();
  private readonly draining = new Set<string>();

  constructor(
    private readonly timing: WorkerRegistryTiming,
    private readonly now: () => number = Date.now,
  ) {}

  async heartbeat(worker: WorkerAnnouncement): Promise<HeartbeatReply> {
    const now = this.now();
    const known = this.workers.get(worker.id);
    this.workers.set(worker.id, {
      announcement: { ...worker, accounts: [...worker.accounts] },
      startedAt: known?.startedAt ?? now,
      lastSeenAt: now,
    });
    return { drain: this.draining.has(worker.id) };
  }

  async deregister(id: string): Promise<void> {
    this.workers.delete(id);
    this.draining.delete(id);
  }

  async setDrain(id: string, drain: boolean): Promise<boolean> {
    if (!this.workers.has(id)) return false;
    if (drain) this.draining.add(id);
    else this.draining.delete(id);
    return true;
  }

  async list(): Promise<WorkerRecord[]> {
    const now = this.now();
    const records: WorkerRecord[] = [];
    for (const [id, entry] of this.workers) {
      if (now - entry.lastSeenAt > this.timing.forgetAfterMs) {
        this.workers.delete(id);
        this.draining.delete(id);
        continue;
      }
      records.push({
        ...entry.announcement,
        accounts: [...entry.announcement.accounts],
        status: statusOf(entry.lastSeenAt, now, this.timing),
        startedAt: entry.startedAt,
        lastSeenAt: entry.lastSeenAt,
        drain: this.draining.has(id),
      });
    }
    return records.sort((a, b) => compareOrdinal(a.id, b.id));
  }
}

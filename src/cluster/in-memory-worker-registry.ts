import {
  statusOf,
  type WorkerAnnouncement,
  type WorkerRecord,
  type WorkerRegistry,
  type WorkerRegistryTiming,
} from './worker-registry.js';

interface Entry {
  announcement: WorkerAnnouncement;
  startedAt: number;
  lastSeenAt: number;
}

/** The registry of embedded mode (the process is its own only worker), and for tests. */
export class InMemoryWorkerRegistry implements WorkerRegistry {
  private readonly workers = new Map<string, Entry>();

  constructor(
    private readonly timing: WorkerRegistryTiming,
    private readonly now: () => number = Date.now,
  ) {}

  async heartbeat(worker: WorkerAnnouncement): Promise<void> {
    const now = this.now();
    const known = this.workers.get(worker.id);
    this.workers.set(worker.id, {
      announcement: { ...worker, accounts: [...worker.accounts] },
      startedAt: known?.startedAt ?? now,
      lastSeenAt: now,
    });
  }

  async deregister(id: string): Promise<void> {
    this.workers.delete(id);
  }

  async list(): Promise<WorkerRecord[]> {
    const now = this.now();
    const records: WorkerRecord[] = [];
    for (const [id, entry] of this.workers) {
      if (now - entry.lastSeenAt > this.timing.forgetAfterMs) {
        this.workers.delete(id);
        continue;
      }
      records.push({
        ...entry.announcement,
        accounts: [...entry.announcement.accounts],
        status: statusOf(entry.lastSeenAt, now, this.timing),
        startedAt: entry.startedAt,
        lastSeenAt: entry.lastSeenAt,
      });
    }
    return records.sort((a, b) => a.id.localeCompare(b.id));
  }
}

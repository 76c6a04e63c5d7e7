/**
 * The admin queue page (docs/admin-operations.md): every request in progress, on every gateway,
 * waiting for an account or a worker, or being answered; and cancelling one. A request's place
 * comes from the gateway serving it (its CallBoard); a queued attempt's from the job queue, which
 * also knows jobs whose gateway is gone.
 */
import type { CallBoardFeed } from '../cluster/call-board-feed.js';
import type { JobControl } from '../cluster/job-control.js';
import type { CallSnapshot } from '../gateway/call-board.js';
import { NotFoundError } from '../errors.js';
import type { JobQueue, ListedJob } from '../queue/job-queue.js';
import type { AccountRepository, ApiKeyRepository, AuditRepository, UserRepository } from '../store/types.js';
import type { AuditContext } from './audit-context.js';
import type { QueueEntryView, QueueView } from './admin-views.js';

export type { QueueEntryView, QueueView } from './admin-views.js';

export interface RequestQueueDeps {
  mode: 'embedded' | 'distributed';
  feed: CallBoardFeed;
  /** The admission queue's depth as the scheduler sees it. */
  depth: () => number;
  /** Distributed mode: the job queue and the lanes of worker-served accounts. */
  jobs?: { queue: JobQueue; lanes: () => Promise<string[]> };
  control: JobControl;
  apiKeys: ApiKeyRepository;
  users: UserRepository;
  accounts: AccountRepository;
  audit: AuditRepository;
}

const COLLECT_TIMEOUT_MS = 1_000;
const JOBS_PER_LANE = 500;
const REQUEST_ID = /^[A-Za-z0-9_.~-]{1,128}$/;

export class RequestQueueService {
  constructor(private readonly deps: RequestQueueDeps) {}

  async list(): Promise<QueueView> {
    return (await this.gather()).view;
  }

  /**
   * Cancels a request wherever it is: the gateway serving it ends it with a 409 the client reads;
   * its job is taken off its lane if no worker took it yet, and cancelled through the job control
   * (a worker running it aborts the upstream call; one taking it later skips it).
   */
  async cancel(
    requestId: string,
    context: AuditContext = {},
  ): Promise<{ requestId: string; state: 'waiting' | 'active'; jobs: string[] }> {
    const { view, jobs } = REQUEST_ID.test(requestId)
      ? await this.gather()
      : { view: undefined, jobs: [] as ListedJob[] };
    const entry = view?.entries.find((e) => e.requestId === requestId);
    if (!entry) throw new NotFoundError(`No waiting or running request '${requestId}'.`);
    await this.deps.feed.cancel(requestId);
    const own = jobs.filter((job) => job.spec.requestId === requestId);
    for (const job of own) {
      if (job.state === 'waiting') await this.deps.jobs?.queue.remove(job.spec.lane, job.spec.jobId);
      await this.deps.control.cancel(job.spec.jobId, Math.max(0, job.spec.deadline - Date.now()) + 60_000);
    }
    const actor = context.actor ?? { type: 'system' as const, id: null };
    await this.deps.audit.append({
      actorType: actor.type,
      actorId: actor.id,
      action: 'request.cancel',
      targetType: 'request',
      targetId: requestId,
      ip: context.ip ?? null,
      details: { state: entry.state, model: entry.model, jobs: own.map((j) => j.spec.jobId) },
    });
    return { requestId, state: entry.state, jobs: own.map((j) => j.spec.jobId) };
  }

  private async gather(): Promise<{ view: QueueView; jobs: ListedJob[] }> {
    const { feed, jobs: queue } = this.deps;
    const [collected, jobs] = await Promise.all([
      feed.collect(COLLECT_TIMEOUT_MS),
      queue ? queue.lanes().then((lanes) => queue.queue.list(lanes, JOBS_PER_LANE)) : [],
    ]);
    const now = Date.now();
    const entries = new Map<string, QueueEntryView>();
    for (const { gateway, calls } of collected.gateways) {
      for (const call of calls) entries.set(call.requestId, fromCall(call, gateway, now));
    }
    // The latest attempt of each request decides; older ones ended before it was submitted.
    const latest = new Map<string, ListedJob>();
    for (const job of jobs) {
      const known = latest.get(job.spec.requestId);
      if (!known || known.spec.attempt < job.spec.attempt) latest.set(job.spec.requestId, job);
    }
    for (const job of latest.values()) {
      const entry = entries.get(job.spec.requestId) ?? fromJob(job, now);
      entry.jobId = job.spec.jobId;
      entry.state = job.state;
      entry.worker = job.worker;
      entry.accountId = job.spec.accountId;
      entries.set(job.spec.requestId, entry);
    }
    const list = [...entries.values()].sort((a, b) => b.ageMs - a.ageMs);
    await this.name(list);
    const waiting = list.filter((e) => e.state === 'waiting').length;
    return {
      view: {
        mode: this.deps.mode,
        depth: this.deps.depth(),
        waiting,
        active: list.length - waiting,
        complete: collected.complete,
        entries: list,
      },
      jobs,
    };
  }

  /** Key, user and account names; the ids of things deleted meanwhile keep a null name. */
  private async name(entries: QueueEntryView[]): Promise<void> {
    if (entries.length === 0) return;
    const ids = (pick: (e: QueueEntryView) => string | null) =>
      [...new Set(entries.map(pick))].filter((id): id is string => id !== null);
    const lookup = async <T>(list: string[], get: (id: string) => Promise<T | undefined>) =>
      new Map(await Promise.all(list.map(async (id) => [id, await get(id).catch(() => undefined)] as const)));
    const [keys, users, accounts] = await Promise.all([
      lookup(
        ids((e) => e.apiKeyId),
        (id) => this.deps.apiKeys.get(id),
      ),
      lookup(
        ids((e) => e.userId),
        (id) => this.deps.users.get(id),
      ),
      this.deps.accounts.list(),
    ]);
    const accountNames = new Map(accounts.map((a) => [a.id, a.name]));
    for (const entry of entries) {
      if (entry.apiKeyId) entry.apiKeyName = keys.get(entry.apiKeyId)?.name ?? null;
      if (entry.userId) entry.username = users.get(entry.userId)?.username ?? null;
      if (entry.accountId) entry.accountName = accountNames.get(entry.accountId) ?? entry.accountName;
    }
  }
}

function fromCall(call: CallSnapshot, gateway: string, now: number): QueueEntryView {
  return {
    requestId: call.requestId,
    jobId: null,
    state: call.accountId === null ? 'waiting' : 'active',
    model: call.model,
    stream: call.stream,
    operation: call.operation,
    apiKeyId: call.apiKeyId,
    apiKeyName: null,
    userId: call.userId,
    username: null,
    accountId: call.accountId,
    accountName: call.accountName,
    worker: null,
    gateway,
    since: new Date(call.startedAt).toISOString(),
    ageMs: Math.max(0, now - call.startedAt),
  };
}

function fromJob(job: ListedJob, now: number): QueueEntryView {
  return {
    requestId: job.spec.requestId,
    jobId: job.spec.jobId,
    state: job.state,
    model: job.spec.model,
    stream: job.spec.stream,
    operation: null,
    apiKeyId: null,
    apiKeyName: null,
    userId: null,
    username: null,
    accountId: job.spec.accountId,
    accountName: null,
    worker: job.worker,
    gateway: null,
    since: new Date(job.submittedAt).toISOString(),
    ageMs: Math.max(0, now - job.submittedAt),
  };
}

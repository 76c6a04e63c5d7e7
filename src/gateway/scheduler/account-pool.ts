import type { Logger } from '../../observability/logger.js';
import type { SecretBox } from '../../identity/secret-box.js';
import { upstreamAccountOf } from '../../identity/upstream-account.js';
import type { AccountRecord, AccountRepository } from '../../store/types.js';
import type { UpstreamKindRegistry } from '../../upstreams/index.js';
import type { Upstream } from '../../upstreams/types.js';
import type { ModelNames } from '../catalogue/catalogue.js';
import type { Outcome } from './outcome.js';
import { PoolAccount, type StateChange } from './pool-account.js';

export interface AccountPoolDeps {
  repository: AccountRepository;
  secretBox: SecretBox;
  kinds: UpstreamKindRegistry;
  logger: Logger;
  /** Called when an account may have become usable (a cooldown ended, an account was added). */
  onCapacity: () => void;
  /** Resolves aliases in accounts' model lists; absent: lists are matched as written. */
  modelNames?: ModelNames;
  /**
   * Distributed gateways: accounts served by workers (claude_cli, or `servedBy: 'worker'`) get a
   * queued upstream instead of their adapter, and are candidates only while a live worker holds
   * them (setLiveAccounts). Their credential is never decrypted here.
   */
  remote?: {
    servedByWorker(record: AccountRecord): boolean;
    /** The queued upstream; `local` is the account's own adapter without its credential. */
    create(record: AccountRecord, local: Upstream): Upstream;
  };
  /** Wraps the upstreams this process calls itself (resumable streams: cluster/resumable-streams.ts). */
  direct?: (record: AccountRecord, upstream: Upstream) => Upstream;
  /** Told of every state change this process makes (alert webhooks: services/account-alerts.ts). */
  onStateChange?: (account: PoolAccount, change: StateChange) => void;
}

const configFingerprint = (r: AccountRecord) =>
  JSON.stringify([
    r.name,
    r.kind,
    r.baseUrl,
    r.encryptedCredential,
    r.maxConcurrency,
    r.priority,
    r.weight,
    r.models,
    r.settings,
  ]);
/** An account whose credential this master key cannot open must not take traffic. */
const UNREADABLE = (record: AccountRecord): AccountRecord => ({
  ...record,
  state: 'needs_reauth',
  stateReason: 'the stored credential cannot be decrypted with the current master key',
  cooldownUntil: null,
});
const stateFingerprint = (r: { state: string; cooldownUntil: Date | null }) =>
  `${r.state}@${r.cooldownUntil?.getTime() ?? 0}`;

interface PoolEntry {
  account: PoolAccount;
  config: string;
  /** The state last known to be in the store (or on its way there). */
  state: string;
  /** State changes made here; a reload that began before the latest one read older state. */
  changes: number;
}

/**
 * The accounts this process schedules over: loaded from the store, credentials decrypted in
 * memory only, one upstream adapter each. State changes (cooldowns, re-auth) are saved so the
 * command line and later starts see them; changes saved by others are adopted on reload.
 */
export class AccountPool {
  private readonly byId = new Map<string, PoolEntry>();
  private list: PoolAccount[] = [];
  private all: PoolAccount[] = [];
  /** Worker-served accounts some live worker holds; undefined until the first registry poll. */
  private live: ReadonlySet<string> | undefined;
  private readonly remoteIds = new Set<string>();
  /** Accounts a setting keeps out of scheduling (the compliance switch); undefined: none. */
  private admits: ((record: AccountRecord) => boolean) | undefined;

  constructor(private readonly deps: AccountPoolDeps) {}

  /**
   * Keeps accounts the predicate refuses out of `accounts()` (the compliance switch). Decided when
   * the list is rebuilt, not per request: the request path pays nothing for it.
   */
  setAccountFilter(admits: ((record: AccountRecord) => boolean) | undefined): void {
    const before = this.list.length;
    this.admits = admits;
    this.refreshList();
    if (this.list.length !== before) this.deps.onCapacity();
  }

  /** The accounts that may take requests now (worker-served ones only while a worker holds them). */
  accounts(): readonly PoolAccount[] {
    return this.list;
  }

  /** Whether the account is served through workers (distributed gateways only). */
  isWorkerServed(id: string): boolean {
    return this.remoteIds.has(id);
  }

  /**
   * The worker-served accounts that a live worker holds (from the worker registry). The others
   * leave the candidates until their worker returns; nothing new is queued for them.
   */
  setLiveAccounts(ids: ReadonlySet<string>): void {
    const before = this.list.length;
    const gained = [...ids].some((id) => this.remoteIds.has(id) && !this.live?.has(id));
    this.live = ids;
    this.refreshList();
    if (gained || this.list.length !== before) this.deps.onCapacity();
  }

  private refreshList(): void {
    const live = this.live;
    const admits = this.admits;
    const all = admits ? this.all.filter((a) => admits(a.record)) : this.all;
    this.list =
      this.remoteIds.size === 0
        ? all
        : all.filter((a) => !this.remoteIds.has(a.id) || live?.has(a.id) === true);
  }

  get(id: string): PoolAccount | undefined {
    return this.byId.get(id)?.account;
  }

  async reload(): Promise<void> {
    const changesBefore = new Map([...this.byId].map(([id, entry]) => [id, entry.changes]));
    const records = await this.deps.repository.list();
    const seen = new Set<string>();
    for (const record of records) {
      seen.add(record.id);
      const entry = this.byId.get(record.id);
      const config = configFingerprint(record);
      const state = stateFingerprint(record);
      if (!entry) {
        const created = this.createUpstream(record);
        const account = new PoolAccount(record, created.upstream, created.simulated, this.deps.modelNames);
        if (created.unreadable) account.adoptState(UNREADABLE(record));
        this.byId.set(record.id, {
          account,
          config,
          state,
          changes: 0,
        });
        continue;
      }
      if (entry.config !== config) {
        const old = entry.account.upstream;
        const created = this.createUpstream(record);
        entry.account.reconfigure(record, created.upstream);
        if (created.unreadable) entry.account.adoptState(UNREADABLE(record));
        entry.config = config;
        void old.close().catch(() => undefined);
      }
      // A cooldown applied while the store was being read must not be undone by the older read.
      if (entry.state !== state && entry.changes === changesBefore.get(record.id)) {
        entry.account.adoptState(record);
        entry.state = state;
      }
    }
    for (const [id, entry] of this.byId) {
      if (seen.has(id)) continue;
      this.byId.delete(id);
      void entry.account.upstream.close().catch(() => undefined);
    }
    this.all = [...this.byId.values()].map((e) => e.account);
    this.remoteIds.clear();
    if (this.deps.remote) {
      for (const account of this.all) {
        if (this.deps.remote.servedByWorker(account.record)) this.remoteIds.add(account.id);
      }
    }
    this.refreshList();
    this.deps.onCapacity();
  }

  apply(account: PoolAccount, outcome: Outcome, now: number): void {
    const change = account.apply(outcome, now);
    if (change) this.save(account, change);
  }

  /**
   * Whether the account may take requests now. A cooldown that has run out ends here and is saved
   * like any other change: the store must not go on showing an account in use as cooling down.
   */
  isHealthy(account: PoolAccount, now: number): boolean {
    const change = account.refresh(now);
    if (change) this.save(account, change);
    return account.state === 'active';
  }

  /** Ends cooldowns whose time has passed; run periodically so state is saved and waiters wake. */
  sweep(now: number): void {
    let freed = false;
    for (const account of this.all) {
      const change = account.refresh(now);
      if (change) {
        freed = true;
        this.save(account, change);
      }
    }
    if (freed) this.deps.onCapacity();
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all.map((a) => a.upstream.close()));
  }

  private save(account: PoolAccount, change: StateChange): void {
    const entry = this.byId.get(account.id);
    if (entry) {
      entry.state = stateFingerprint(change);
      entry.changes += 1;
    }
    this.deps.logger.warn(
      { account: account.name, state: change.state, reason: change.stateReason, until: change.cooldownUntil },
      'account state changed',
    );
    this.deps.onStateChange?.(account, change);
    this.deps.repository.update(account.id, change).catch((error: unknown) => {
      this.deps.logger.error({ err: error, account: account.name }, 'could not save account state');
    });
  }

  private createUpstream(record: AccountRecord): {
    upstream: Upstream;
    simulated: boolean;
    unreadable: boolean;
  } {
    const kind = this.deps.kinds.get(record.kind);
    const remote = this.deps.remote;
    if (remote?.servedByWorker(record)) {
      // The worker decrypts the credential; this process only needs the adapter's request checks.
      const local = kind.create({
        ...upstreamAccountOf({ ...record, encryptedCredential: null }, this.deps.secretBox).account,
      });
      return { upstream: remote.create(record, local), simulated: kind.simulated, unreadable: false };
    }
    const { account, unreadable } = upstreamAccountOf(record, this.deps.secretBox);
    if (unreadable) {
      this.deps.logger.error(
        { account: record.name },
        'cannot decrypt the account credential: is SWITCHYARD_MASTER_KEY the key it was stored with?',
      );
    }
    const upstream = kind.create(account);
    return {
      upstream: this.deps.direct?.(record, upstream) ?? upstream,
      simulated: kind.simulated,
      unreadable,
    };
  }
}

/**
 * Test doubles for the scheduler's unit tests: account records, an in-memory account repository
 * whose reads can be held back, and a pool built on them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { SecretBox } from '../../src/identity/secret-box.js';
import { createLogger } from '../../src/observability/logger.js';
import type { AccountPatch, AccountRecord, AccountRepository, NewAccount } from '../../src/store/types.js';
import { createUpstreamKinds } from '../../src/upstreams/index.js';
import { AccountPool } from '../../src/gateway/scheduler/account-pool.js';

export function accountRecord(overrides: Partial<AccountRecord> = {}): AccountRecord {
  const now = new Date(0);
  return {
    id: randomUUID(),
    name: 'acct',
    kind: 'mock',
    baseUrl: null,
    encryptedCredential: null,
    maxConcurrency: 2,
    priority: 10,
    weight: 1,
    models: null,
    settings: {},
    state: 'active',
    stateReason: null,
    cooldownUntil: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

export class MemoryAccountRepository implements AccountRepository {
  readonly records = new Map<string, AccountRecord>();
  updates: AccountPatch[] = [];
  /** While set, list() takes its snapshot at once but answers only when the promise settles. */
  holdLists: Promise<void> | undefined;

  constructor(records: AccountRecord[] = []) {
    for (const record of records) this.records.set(record.id, record);
  }

  async list(): Promise<AccountRecord[]> {
    const snapshot = [...this.records.values()].map((r) => ({ ...r }));
    if (this.holdLists) await this.holdLists;
    return snapshot;
  }

  async get(id: string) {
    return this.records.get(id);
  }

  async getByName(name: string) {
    return [...this.records.values()].find((r) => r.name === name);
  }

  async insert(account: NewAccount): Promise<AccountRecord> {
    const record = accountRecord(account);
    this.records.set(record.id, record);
    return record;
  }

  async update(id: string, patch: AccountPatch): Promise<AccountRecord | undefined> {
    const record = this.records.get(id);
    if (!record) return undefined;
    this.updates.push(patch);
    const updated = { ...record, ...patch, updatedAt: new Date() };
    this.records.set(id, updated);
    return updated;
  }

  async remove(id: string): Promise<boolean> {
    return this.records.delete(id);
  }

  async count(): Promise<number> {
    return this.records.size;
  }
}

export function silentLogger() {
  return createLogger({
    level: 'silent',
    destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
}

export async function poolOver(
  repository: MemoryAccountRepository,
  onCapacity: () => void = () => {},
): Promise<AccountPool> {
  const pool = new AccountPool({
    repository,
    secretBox: new SecretBox(randomBytes(32)),
    kinds: createUpstreamKinds(),
    logger: silentLogger(),
    onCapacity,
  });
  await pool.reload();
  return pool;
}

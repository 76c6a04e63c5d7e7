import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { NewAccount, NewApiKey, NewUser, Store, UsageRecord } from '../../../src/store/index.js';

export type OpenStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/** Opens a store for the enclosing describe block, so each block starts from empty tables. */
export function useStore(open: OpenStore): () => Store {
  let opened: Awaited<ReturnType<OpenStore>> | undefined;
  beforeAll(async () => {
    opened = await open();
  });
  afterAll(async () => {
    await opened?.cleanup();
  });
  return () => {
    if (opened === undefined) throw new Error('the store is not open');
    return opened.store;
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function newAccount(overrides: Partial<NewAccount> = {}): NewAccount {
  return {
    id: randomUUID(),
    name: `account-${randomUUID().slice(0, 8)}`,
    kind: 'mock',
    baseUrl: null,
    encryptedCredential: null,
    maxConcurrency: 4,
    priority: 10,
    weight: 1,
    models: null,
    settings: {},
    ...overrides,
  };
}

export function newUser(overrides: Partial<NewUser> = {}): NewUser {
  return {
    id: randomUUID(),
    username: `user-${randomUUID().slice(0, 8)}`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    role: 'member',
    mustChangePassword: false,
    ...overrides,
  };
}

export function newApiKey(userId: string, overrides: Partial<NewApiKey> = {}): NewApiKey {
  return {
    id: randomUUID(),
    name: 'laptop',
    keyHash: randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', ''),
    keyPrefix: 'sk-swy-abcd',
    userId,
    expiresAt: null,
    ...overrides,
  };
}

export function usageRow(overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: `req_${randomUUID()}`,
    apiKeyId: null,
    userId: null,
    accountId: null,
    model: 'claude-sonnet-4-5',
    requestedModel: null,
    stream: false,
    inputTokens: 10,
    outputTokens: 20,
    cacheCreationInputTokens: 0,
    cacheReadInputTokens: 0,
    status: 200,
    errorType: null,
    latencyMs: 1234,
    ttftMs: null,
    costUsd: 0,
    createdAt: new Date('2025-01-02T03:04:05.678Z'),
    ...overrides,
  };
}

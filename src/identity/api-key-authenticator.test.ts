import { UNRESTRICTED } from '../gateway/call.js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../errors.js';
import type { ApiKeyRecord, ApiKeyRepository } from '../store/types.js';
import { ApiKeyAuthenticator } from './api-key-authenticator.js';
import { generateApiKeySecret } from './api-key-secret.js';

function setup(ttlMs = 60_000) {
  const { secret, hash, prefix } = generateApiKeySecret();
  const record: ApiKeyRecord = {
    id: 'key-1',
    name: 'k',
    keyHash: hash,
    keyPrefix: prefix,
    userId: 'user-1',
    createdAt: new Date(),
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    limits: {},
    allowedModels: null,
    modelFallback: false,
  };
  let lookups = 0;
  const touched: string[][] = [];
  const repo: ApiKeyRepository = {
    insert: async () => record,
    findByHash: async () => {
      throw new Error('authentication reads key and owner together');
    },
    findCredential: async (h) => {
      lookups += 1;
      return h === record.keyHash
        ? { key: record, owner: { limits: {}, allowedModels: null, disabledAt: null } }
        : undefined;
    },
    get: async () => record,
    list: async () => [record],
    revoke: async () => true,
    update: async () => record,
    touchLastUsed: async (ids) => void touched.push([...ids]),
  };
  const authenticator = new ApiKeyAuthenticator(repo, pino({ level: 'silent' }), ttlMs);
  // authenticate answers synchronously from the cache; as a promise, every outcome reads alike.
  const auth = {
    authenticate: (key: string | undefined) => Promise.resolve().then(() => authenticator.authenticate(key)),
    invalidate: (id?: string) => authenticator.invalidate(id),
    flushLastUsed: () => authenticator.flushLastUsed(),
    raw: authenticator,
  };
  return { auth, secret, record, lookups: () => lookups, touched };
}

describe('ApiKeyAuthenticator', () => {
  it('resolves a key to its owner and caches the lookup', async () => {
    const { auth, secret, lookups } = setup();
    await expect(auth.authenticate(secret)).resolves.toEqual({
      apiKeyId: 'key-1',
      userId: 'user-1',
      access: UNRESTRICTED,
    });
    await auth.authenticate(secret);
    expect(lookups()).toBe(1);
  });

  it('refuses missing, malformed and unknown keys, caching unknown ones briefly', async () => {
    const { auth, lookups } = setup();
    await expect(auth.authenticate(undefined)).rejects.toBeInstanceOf(AuthenticationError);
    await expect(auth.authenticate('not-a-key')).rejects.toBeInstanceOf(AuthenticationError);
    expect(lookups()).toBe(0);
    await expect(auth.authenticate('sk-sy-unknown')).rejects.toBeInstanceOf(AuthenticationError);
    await expect(auth.authenticate('sk-sy-unknown')).rejects.toBeInstanceOf(AuthenticationError);
    expect(lookups()).toBe(1);
  });

  it('stops accepting a revoked key as soon as its cache entry is invalidated', async () => {
    const { auth, secret, record } = setup();
    await auth.authenticate(secret);
    record.revokedAt = new Date();
    await expect(auth.authenticate(secret)).resolves.toBeDefined(); // still cached
    auth.invalidate('key-1');
    await expect(auth.authenticate(secret)).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('refuses an expired key even from the cache', async () => {
    const { auth, secret, record } = setup();
    record.expiresAt = new Date(Date.now() + 50);
    await auth.authenticate(secret);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await expect(auth.authenticate(secret)).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('records last use in one batched write', async () => {
    const { auth, secret, touched } = setup();
    await auth.authenticate(secret);
    await auth.authenticate(secret);
    await auth.flushLastUsed();
    expect(touched).toEqual([['key-1']]);
    await auth.flushLastUsed();
    expect(touched).toHaveLength(1);
  });

  it('answers a cached key synchronously, and an uncached one through the store', async () => {
    const { auth, secret } = setup();
    const first = auth.raw.authenticate(secret);
    expect(first).toBeInstanceOf(Promise);
    await first;
    expect(auth.raw.authenticate(secret)).toEqual({
      apiKeyId: 'key-1',
      userId: 'user-1',
      access: UNRESTRICTED,
    });
  });
});

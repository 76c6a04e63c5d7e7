import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { StoreConflictError, type UserRecord } from '../../../src/store/index.js';
import { newApiKey, newUser, useStore, type OpenStore } from './harness.js';

export function apiKeysContract(open: OpenStore): void {
  describe('apiKeys', () => {
    const store = useStore(open);
    let owner: UserRecord;
    let other: UserRecord;
    beforeAll(async () => {
      owner = await store().users.insert(newUser());
      other = await store().users.insert(newUser());
    });

    it('inserts and finds a key by hash and by id, round-tripping dates', async () => {
      const expiresAt = new Date('2030-12-31T23:59:59.999Z');
      const input = newApiKey(owner.id, { expiresAt });
      const inserted = await store().apiKeys.insert(input);
      expect(inserted).toEqual({
        ...input,
        createdAt: expect.any(Date),
        revokedAt: null,
        lastUsedAt: null,
        limits: {},
        allowedModels: null,
        modelFallback: false,
      });
      expect(inserted.expiresAt?.toISOString()).toBe(expiresAt.toISOString());
      expect(await store().apiKeys.findByHash(input.keyHash)).toEqual(inserted);
      expect(await store().apiKeys.get(input.id)).toEqual(inserted);
    });

    it("stores a key's limits, models and fallback opt-in; updates them; reads key and owner together", async () => {
      const key = await store().apiKeys.insert(
        newApiKey(owner.id, { limits: { maxConcurrency: 2 }, allowedModels: ['haiku'], modelFallback: true }),
      );
      expect(key).toMatchObject({
        limits: { maxConcurrency: 2 },
        allowedModels: ['haiku'],
        modelFallback: true,
      });
      const updated = await store().apiKeys.update(key.id, {
        limits: { requestsPerMinute: 9 },
        name: 'renamed',
      });
      expect(updated).toMatchObject({
        name: 'renamed',
        limits: { requestsPerMinute: 9 },
        allowedModels: ['haiku'],
      });
      expect(await store().apiKeys.update(randomUUID(), { name: 'x' })).toBeUndefined();
      const credential = await store().apiKeys.findCredential(key.keyHash);
      expect(credential?.key).toEqual(updated);
      expect(credential?.owner).toEqual({
        limits: owner.limits,
        allowedModels: owner.allowedModels,
        disabledAt: null,
      });
      expect(await store().apiKeys.findCredential("' OR 1=1--")).toBeUndefined();
    });

    it('finds nothing for an unknown hash, an injection attempt or a malformed id', async () => {
      await store().apiKeys.insert(newApiKey(owner.id));
      expect(await store().apiKeys.findByHash('0'.repeat(64))).toBeUndefined();
      expect(await store().apiKeys.findByHash("' OR 1=1--")).toBeUndefined();
      expect(await store().apiKeys.findByHash("x' OR '1'='1")).toBeUndefined();
      expect(await store().apiKeys.get("' OR 1=1--")).toBeUndefined();
      expect(await store().apiKeys.get(randomUUID())).toBeUndefined();
    });

    it('rejects a duplicate hash with StoreConflictError', async () => {
      const key = await store().apiKeys.insert(newApiKey(owner.id));
      const again = store().apiKeys.insert(newApiKey(other.id, { keyHash: key.keyHash }));
      await expect(again).rejects.toBeInstanceOf(StoreConflictError);
      await expect(again).rejects.toThrow('an API key with the same secret already exists');
    });

    it('lists all keys or one user’s keys', async () => {
      const mine = await store().apiKeys.insert(newApiKey(other.id, { name: 'ci' }));
      const listed = await store().apiKeys.list({ userId: other.id });
      expect(listed.map((k) => k.id)).toEqual([mine.id]);
      const all = await store().apiKeys.list();
      expect(all.map((k) => k.id)).toContain(mine.id);
      expect(all.some((k) => k.userId === owner.id)).toBe(true);
      expect(await store().apiKeys.list({ userId: randomUUID() })).toEqual([]);
      expect(await store().apiKeys.list({ userId: 'bad' })).toEqual([]);
    });

    it('revokes once: true, then false; the revoked key is still found by hash', async () => {
      const key = await store().apiKeys.insert(newApiKey(owner.id));
      const at = new Date('2026-02-03T04:05:06.007Z');
      expect(await store().apiKeys.revoke(key.id, at)).toBe(true);
      expect(await store().apiKeys.revoke(key.id, new Date())).toBe(false);
      expect((await store().apiKeys.findByHash(key.keyHash))?.revokedAt?.toISOString()).toBe(
        at.toISOString(),
      );
      expect(await store().apiKeys.revoke(randomUUID(), at)).toBe(false);
      expect(await store().apiKeys.revoke('bad', at)).toBe(false);
    });

    it('touches last-used on many keys at once and never moves it back', async () => {
      const a = await store().apiKeys.insert(newApiKey(owner.id));
      const b = await store().apiKeys.insert(newApiKey(owner.id));
      const untouched = await store().apiKeys.insert(newApiKey(owner.id));
      const later = new Date('2026-03-01T00:00:00.500Z');
      await store().apiKeys.touchLastUsed([a.id, b.id, a.id, 'bad'], later);
      await store().apiKeys.touchLastUsed([a.id], new Date('2026-01-01T00:00:00.000Z'));
      await store().apiKeys.touchLastUsed([], later);
      expect((await store().apiKeys.get(a.id))?.lastUsedAt?.toISOString()).toBe(later.toISOString());
      expect((await store().apiKeys.get(b.id))?.lastUsedAt?.toISOString()).toBe(later.toISOString());
      expect((await store().apiKeys.get(untouched.id))?.lastUsedAt).toBeNull();
    });
  });
}

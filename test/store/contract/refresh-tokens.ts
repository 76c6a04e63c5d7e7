import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NewRefreshToken, UserRecord } from '../../../src/store/index.js';
import { newUser, useStore, type OpenStore } from './harness.js';

const token = (userId: string, overrides: Partial<NewRefreshToken> = {}): NewRefreshToken => ({
  id: randomUUID(),
  familyId: randomUUID(),
  userId,
  tokenHash: randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', ''),
  expiresAt: new Date('2040-01-01T00:00:00.000Z'),
  ...overrides,
});

export function refreshTokensContract(open: OpenStore): void {
  describe('refreshTokens', () => {
    const store = useStore(open);
    let user: UserRecord;
    beforeAll(async () => {
      user = await store().users.insert(newUser());
    });

    it('inserts and finds by hash; unknown hashes and injection find nothing', async () => {
      const input = token(user.id);
      const inserted = await store().refreshTokens.insert(input);
      expect(inserted).toEqual({ ...input, createdAt: expect.any(Date), rotatedAt: null, revokedAt: null });
      expect(await store().refreshTokens.findByHash(input.tokenHash)).toEqual(inserted);
      expect(await store().refreshTokens.findByHash("' OR 1=1--")).toBeUndefined();
      expect(await store().refreshTokens.isFamilyLive(input.familyId)).toBe(true);
      expect(await store().refreshTokens.isFamilyLive(randomUUID())).toBe(false);
      expect(await store().refreshTokens.isFamilyLive("' OR 1=1--")).toBe(false);
    });

    it('rotates a token once: true, then false', async () => {
      const input = await store().refreshTokens.insert(token(user.id));
      const at = new Date('2030-05-06T07:08:09.010Z');
      const results = await Promise.all([
        store().refreshTokens.markRotated(input.id, at),
        store().refreshTokens.markRotated(input.id, at),
      ]);
      expect(results.sort()).toEqual([false, true]);
      expect((await store().refreshTokens.findByHash(input.tokenHash))?.rotatedAt?.toISOString()).toBe(
        at.toISOString(),
      );
      expect(await store().refreshTokens.markRotated(randomUUID(), at)).toBe(false);
      expect(await store().refreshTokens.markRotated('bad', at)).toBe(false);
    });

    it('revokes a family for good, even a token added to it afterwards', async () => {
      const familyId = randomUUID();
      const first = await store().refreshTokens.insert(token(user.id, { familyId }));
      await store().refreshTokens.insert(token(user.id, { familyId }));
      const other = await store().refreshTokens.insert(token(user.id));
      expect(await store().refreshTokens.revokeFamily(familyId, new Date())).toBe(2);
      expect(await store().refreshTokens.revokeFamily(familyId, new Date())).toBe(0);
      expect((await store().refreshTokens.findByHash(first.tokenHash))?.revokedAt).toBeInstanceOf(Date);
      await store().refreshTokens.insert(token(user.id, { familyId }));
      expect(await store().refreshTokens.isFamilyLive(familyId)).toBe(false);
      expect(await store().refreshTokens.isFamilyLive(other.familyId)).toBe(true);
      expect(await store().refreshTokens.markRotated(first.id, new Date())).toBe(false);
    });

    it('revokes every live token of a user, and only theirs', async () => {
      const owner = await store().users.insert(newUser());
      const bystander = await store().users.insert(newUser());
      const a = await store().refreshTokens.insert(token(owner.id));
      await store().refreshTokens.insert(token(owner.id));
      const b = await store().refreshTokens.insert(token(bystander.id));
      expect(await store().refreshTokens.revokeUser(owner.id, new Date())).toBe(2);
      expect(await store().refreshTokens.isFamilyLive(a.familyId)).toBe(false);
      expect(await store().refreshTokens.isFamilyLive(b.familyId)).toBe(true);
      expect(await store().refreshTokens.revokeUser('bad', new Date())).toBe(0);
    });

    it('refuses a token for a user that does not exist', async () => {
      await expect(store().refreshTokens.insert(token(randomUUID()))).rejects.toThrow();
    });
  });
}

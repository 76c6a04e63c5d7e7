import { describe, expect, it } from 'vitest';
import { StoreConflictError } from '../../../src/store/index.js';
import { newUser, useStore, type OpenStore } from './harness.js';

const ISSUER = 'https://idp.example.com/realms/main';

export function oidcIdentitiesContract(open: OpenStore): void {
  describe('oidcIdentities', () => {
    const store = useStore(open);

    it('creates a user with its link, finds it by (issuer, subject) only, and touches it', async () => {
      const user = await store().oidcIdentities.insertWithUser(newUser(), {
        issuer: ISSUER,
        subject: 'sub-1',
      });
      expect(await store().users.get(user.id)).toEqual(user);
      const link = await store().oidcIdentities.find(ISSUER, 'sub-1');
      expect(link).toEqual({
        issuer: ISSUER,
        subject: 'sub-1',
        userId: user.id,
        createdAt: expect.any(Date),
        lastLoginAt: expect.any(Date),
      });
      expect(await store().oidcIdentities.find(`${ISSUER}/`, 'sub-1')).toBeUndefined();
      expect(await store().oidcIdentities.find(ISSUER, "' OR 1=1--")).toBeUndefined();
      const at = new Date('2031-02-03T04:05:06.007Z');
      await store().oidcIdentities.touch(ISSUER, 'sub-1', at);
      expect((await store().oidcIdentities.find(ISSUER, 'sub-1'))?.lastLoginAt).toEqual(at);
    });

    it('writes nothing when the link exists or the name is taken (one transaction)', async () => {
      await store().oidcIdentities.insertWithUser(newUser(), { issuer: ISSUER, subject: 'sub-2' });
      const again = newUser();
      await expect(
        store().oidcIdentities.insertWithUser(again, { issuer: ISSUER, subject: 'sub-2' }),
      ).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store().users.get(again.id)).toBeUndefined();

      const local = await store().users.insert(newUser());
      await expect(
        store().oidcIdentities.insertWithUser(newUser({ username: local.username }), {
          issuer: ISSUER,
          subject: 'sub-3',
        }),
      ).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store().oidcIdentities.find(ISSUER, 'sub-3')).toBeUndefined();
    });

    it('the same subject at another issuer is another identity', async () => {
      const first = await store().oidcIdentities.insertWithUser(newUser(), {
        issuer: ISSUER,
        subject: 'same',
      });
      const other = await store().oidcIdentities.insertWithUser(newUser(), {
        issuer: 'https://other.example.com',
        subject: 'same',
      });
      expect(first.id).not.toBe(other.id);
      expect((await store().oidcIdentities.find(ISSUER, 'same'))?.userId).toBe(first.id);
    });
  });
}

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StoreConflictError } from '../../../src/store/index.js';
import { newUser, sleep, useStore, type OpenStore } from './harness.js';

export function usersContract(open: OpenStore): void {
  describe('users', () => {
    const store = useStore(open);

    it('has no admin and no users when empty', async () => {
      expect(await store().users.firstAdmin()).toBeUndefined();
      expect(await store().users.count()).toBe(0);
    });

    it('inserts and reads back by id and username', async () => {
      const input = newUser({ role: 'operator', mustChangePassword: true });
      const inserted = await store().users.insert(input);
      expect(inserted).toEqual({ ...input, createdAt: expect.any(Date), disabledAt: null });
      expect(await store().users.get(input.id)).toEqual(inserted);
      expect(await store().users.getByUsername(input.username)).toEqual(inserted);
      expect(await store().users.getByUsername(input.username.toUpperCase())).toBeUndefined();
      expect(await store().users.get('nope')).toBeUndefined();
      expect(await store().users.get(randomUUID())).toBeUndefined();
    });

    it('rejects a taken username with StoreConflictError', async () => {
      await store().users.insert(newUser({ username: 'ada' }));
      const again = store().users.insert(newUser({ username: 'ada' }));
      await expect(again).rejects.toBeInstanceOf(StoreConflictError);
      await expect(again).rejects.toThrow('a user named "ada" already exists');
    });

    it('refuses a role outside the known ones', async () => {
      const bogus = newUser({ role: 'root' as never });
      await expect(store().users.insert(bogus)).rejects.toThrow();
      expect(await store().users.get(bogus.id)).toBeUndefined();
    });

    it('finds the oldest admin that is not disabled', async () => {
      const first = await store().users.insert(newUser({ role: 'admin' }));
      await sleep(5);
      await store().users.insert(newUser({ role: 'admin' }));
      await store().users.insert(newUser({ role: 'member' }));
      expect((await store().users.firstAdmin())?.id).toBe(first.id);
    });

    it('counts users', async () => {
      const before = await store().users.count();
      await store().users.insert(newUser());
      expect(await store().users.count()).toBe(before + 1);
    });
  });
}

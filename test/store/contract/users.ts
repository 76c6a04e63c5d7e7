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
      expect(inserted).toEqual({
        ...input,
        createdAt: expect.any(Date),
        disabledAt: null,
        limits: {},
        allowedModels: null,
      });
      expect(await store().users.get(input.id)).toEqual(inserted);
      expect(await store().users.getByUsername(input.username)).toEqual(inserted);
      expect(await store().users.getByUsername(input.username.toUpperCase())).toBeUndefined();
      expect(await store().users.get('nope')).toBeUndefined();
      expect(await store().users.get(randomUUID())).toBeUndefined();
    });

    it("stores and changes a user's limits and model list (the ceiling of their keys)", async () => {
      const user = await store().users.insert(
        newUser({ limits: { requestsPerMinute: 5 }, allowedModels: ['sonnet'] }),
      );
      expect(user).toMatchObject({ limits: { requestsPerMinute: 5 }, allowedModels: ['sonnet'] });
      const updated = await store().users.update(user.id, {
        limits: { usdPerDay: 1.5 },
        allowedModels: null,
      });
      expect(updated).toMatchObject({ limits: { usdPerDay: 1.5 }, allowedModels: null, role: user.role });
      expect(await store().users.get(user.id)).toEqual(updated);
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

    it('lists oldest first and updates only the changeable fields', async () => {
      const user = await store().users.insert(newUser({ role: 'member' }));
      const listed = await store().users.list();
      expect(listed.map((u) => u.id)).toContain(user.id);
      expect(listed.map((u) => u.createdAt.getTime())).toEqual(
        [...listed.map((u) => u.createdAt.getTime())].sort((a, b) => a - b),
      );
      const disabledAt = new Date('2031-01-02T03:04:05.006Z');
      const updated = await store().users.update(user.id, {
        role: 'viewer',
        mustChangePassword: true,
        passwordHash: 'new-hash',
        disabledAt,
        // A whole record passed back must not rewrite the id or the username.
        ...({ id: randomUUID(), username: 'renamed' } as object),
      });
      expect(updated).toEqual({
        ...user,
        role: 'viewer',
        mustChangePassword: true,
        passwordHash: 'new-hash',
        disabledAt,
      });
      expect(await store().users.update(user.id, {})).toEqual(updated);
      expect(await store().users.update(randomUUID(), { role: 'admin' })).toBeUndefined();
      expect(await store().users.update("' OR 1=1--", { role: 'admin' })).toBeUndefined();
      await expect(store().users.update(user.id, { role: 'root' as never })).rejects.toThrow();
    });

    it('counts active admins', async () => {
      const before = await store().users.countActiveAdmins();
      const admin = await store().users.insert(newUser({ role: 'admin' }));
      expect(await store().users.countActiveAdmins()).toBe(before + 1);
      await store().users.update(admin.id, { disabledAt: new Date() });
      expect(await store().users.countActiveAdmins()).toBe(before);
    });

    it('counts users', async () => {
      const before = await store().users.count();
      await store().users.insert(newUser());
      expect(await store().users.count()).toBe(before + 1);
    });
  });
}

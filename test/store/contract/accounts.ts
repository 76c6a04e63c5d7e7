import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StoreConflictError } from '../../../src/store/index.js';
import { newAccount, sleep, useStore, type OpenStore } from './harness.js';

export function accountsContract(open: OpenStore): void {
  describe('accounts', () => {
    const store = useStore(open);

    it('inserts with defaults and reads back by id and name', async () => {
      const input = newAccount({ baseUrl: 'https://api.example.test', encryptedCredential: 'v1:iv:ct:tag' });
      const inserted = await store().accounts.insert(input);
      expect(inserted).toMatchObject({ ...input, state: 'active', stateReason: null, cooldownUntil: null });
      expect(inserted.createdAt).toBeInstanceOf(Date);
      expect(inserted.updatedAt).toBeInstanceOf(Date);
      expect(await store().accounts.get(input.id)).toEqual(inserted);
      expect(await store().accounts.getByName(input.name)).toEqual(inserted);
    });

    it('round-trips models as null or a list, and settings as an object', async () => {
      const any = await store().accounts.insert(newAccount({ models: null }));
      const some = await store().accounts.insert(
        newAccount({ models: ['claude-opus-4-1', 'claude-haiku-4-5'], settings: { region: 'eu', n: 2 } }),
      );
      const empty = await store().accounts.insert(newAccount({ models: [] }));
      expect((await store().accounts.get(any.id))?.models).toBeNull();
      expect((await store().accounts.get(some.id))?.models).toEqual(['claude-opus-4-1', 'claude-haiku-4-5']);
      expect((await store().accounts.get(some.id))?.settings).toEqual({ region: 'eu', n: 2 });
      expect((await store().accounts.get(empty.id))?.models).toEqual([]);
    });

    it('rejects a taken name or id with StoreConflictError', async () => {
      const first = await store().accounts.insert(newAccount({ name: 'primary' }));
      const byName = store().accounts.insert(newAccount({ name: 'primary' }));
      await expect(byName).rejects.toBeInstanceOf(StoreConflictError);
      await expect(byName).rejects.toThrow('an account named "primary" already exists');
      await expect(store().accounts.insert(newAccount({ id: first.id }))).rejects.toThrow(
        `an account with id ${first.id} already exists`,
      );
    });

    it('updates fields, bumps updatedAt and round-trips the cooldown time', async () => {
      const account = await store().accounts.insert(newAccount({ models: ['a'] }));
      await sleep(5);
      const until = new Date('2031-05-06T07:08:09.123Z');
      const updated = await store().accounts.update(account.id, {
        state: 'cooling_down',
        stateReason: 'rate limited',
        cooldownUntil: until,
        models: null,
        priority: 1,
      });
      expect(updated).toMatchObject({ state: 'cooling_down', stateReason: 'rate limited', models: null });
      expect(updated?.cooldownUntil?.toISOString()).toBe(until.toISOString());
      expect(updated?.createdAt).toEqual(account.createdAt);
      expect(updated?.updatedAt.getTime()).toBeGreaterThan(account.updatedAt.getTime());
      expect(await store().accounts.get(account.id)).toEqual(updated);
    });

    it('leaves fields out of the patch untouched and refuses a taken name', async () => {
      const a = await store().accounts.insert(newAccount({ weight: 7 }));
      const b = await store().accounts.insert(newAccount());
      expect((await store().accounts.update(a.id, { priority: 3 }))?.weight).toBe(7);
      await expect(store().accounts.update(b.id, { name: a.name })).rejects.toThrow(
        `an account named "${a.name}" already exists`,
      );
    });

    it('answers undefined or false for unknown and malformed ids', async () => {
      expect(await store().accounts.get(randomUUID())).toBeUndefined();
      expect(await store().accounts.get('not-a-uuid')).toBeUndefined();
      expect(await store().accounts.getByName("' OR 1=1--")).toBeUndefined();
      expect(await store().accounts.update(randomUUID(), { priority: 1 })).toBeUndefined();
      expect(await store().accounts.remove('not-a-uuid')).toBe(false);
    });

    it('lists by priority, counts and removes', async () => {
      const before = await store().accounts.count();
      const late = await store().accounts.insert(newAccount({ priority: 1000 }));
      const early = await store().accounts.insert(newAccount({ priority: -1000 }));
      expect(await store().accounts.count()).toBe(before + 2);
      const listed = await store().accounts.list();
      expect(listed).toHaveLength(before + 2);
      expect(listed[0]?.id).toBe(early.id);
      expect(listed.at(-1)?.id).toBe(late.id);
      expect(await store().accounts.remove(late.id)).toBe(true);
      expect(await store().accounts.remove(late.id)).toBe(false);
      expect(await store().accounts.get(late.id)).toBeUndefined();
      expect(await store().accounts.count()).toBe(before + 1);
    });
  });
}

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/index.js';
import { newUser, useStore, type OpenStore } from './harness.js';

async function conversationOf(store: Store, userId: string): Promise<string> {
  const id = randomUUID();
  await store.conversations.insert({ id, userId, title: null, pinned: false });
  return id;
}

function attachment(userId: string, name = 'a.png') {
  return {
    id: randomUUID(),
    userId,
    conversationId: null,
    name,
    mediaType: 'image/png',
    size: 3,
    data: 'AAEC',
  };
}

export function chatAttachmentsContract(open: OpenStore): void {
  describe('chatAttachments', () => {
    const store = useStore(open);

    it('stores an upload and gives it back, bytes included, to its owner only', async () => {
      const alice = await store().users.insert(newUser());
      const bob = await store().users.insert(newUser());
      const input = attachment(alice.id);
      const meta = await store().chatAttachments.insert(input);
      const { data: _bytes, ...withoutBytes } = input;
      expect(meta).toEqual({ ...withoutBytes, createdAt: expect.any(Date) });
      expect(await store().chatAttachments.getOwned(input.id, alice.id)).toMatchObject({ data: 'AAEC' });
      expect(await store().chatAttachments.getOwned(input.id, bob.id)).toBeUndefined();
      expect(await store().chatAttachments.getOwned('not-a-uuid', alice.id)).toBeUndefined();
      expect(await store().chatAttachments.listOwned([input.id, 'x'], alice.id)).toHaveLength(1);
      expect(await store().chatAttachments.listOwned([input.id], bob.id)).toEqual([]);
    });

    it('claims all of a set for a conversation or none, once, and counts what is unclaimed', async () => {
      const alice = await store().users.insert(newUser());
      const bob = await store().users.insert(newUser());
      const conversation = await conversationOf(store(), alice.id);
      const one = await store().chatAttachments.insert(attachment(alice.id, 'one.png'));
      const two = await store().chatAttachments.insert(attachment(alice.id, 'two.png'));
      const bobs = await store().chatAttachments.insert(attachment(bob.id));
      expect(await store().chatAttachments.countUnclaimed(alice.id)).toBe(2);
      // Another user's id in the set: nothing is claimed.
      expect(await store().chatAttachments.claim([one.id, bobs.id], alice.id, conversation)).toBeUndefined();
      expect(await store().chatAttachments.countUnclaimed(alice.id)).toBe(2);
      const claimed = await store().chatAttachments.claim([one.id, two.id], alice.id, conversation);
      expect(claimed?.map((a) => a.name).sort()).toEqual(['one.png', 'two.png']);
      expect(claimed?.every((a) => a.conversationId === conversation)).toBe(true);
      expect(await store().chatAttachments.countUnclaimed(alice.id)).toBe(0);
      // Sent once only.
      expect(await store().chatAttachments.claim([one.id], alice.id, conversation)).toBeUndefined();
      expect(await store().chatAttachments.claim([], alice.id, conversation)).toEqual([]);
      // They go with their conversation.
      await store().conversations.removeOwned(conversation, alice.id);
      expect(await store().chatAttachments.getOwned(one.id, alice.id)).toBeUndefined();
    });

    it('sweeps unclaimed uploads older than the cutoff and keeps claimed ones', async () => {
      const user = await store().users.insert(newUser());
      const conversation = await conversationOf(store(), user.id);
      const kept = await store().chatAttachments.insert(attachment(user.id));
      await store().chatAttachments.claim([kept.id], user.id, conversation);
      const stale = await store().chatAttachments.insert(attachment(user.id));
      expect(await store().chatAttachments.removeUnclaimed(new Date(Date.now() - 60_000))).toBe(0);
      // Earlier blocks' unclaimed uploads go too.
      expect(
        await store().chatAttachments.removeUnclaimed(new Date(Date.now() + 1_000)),
      ).toBeGreaterThanOrEqual(1);
      expect(await store().chatAttachments.getOwned(stale.id, user.id)).toBeUndefined();
      expect(await store().chatAttachments.getOwned(kept.id, user.id)).toBeDefined();
    });
  });
}

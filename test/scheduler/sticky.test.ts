import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/gateway.js';
import { ask, startRig, type Rig } from './rig.js';

/** One conversation stays on one account (prompt caching), and moves only when it must. */
describe('sticky routing', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig([{ name: 'a' }, { name: 'b' }]);
  });
  afterAll(async () => {
    await rig?.close();
  });
  beforeEach(async () => {
    await rig.reset();
  });

  const counts = async () => ({ a: (await rig.stats('a')).requests, b: (await rig.stats('b')).requests });
  const inSession = (session: string) => ({ headers: { 'x-claude-code-session-id': session } });

  it('keeps every request of a Claude Code session on one account', async () => {
    const session = randomUUID();
    for (let i = 0; i < 6; i++) await rig.client.messages.create(ask(), inSession(session));
    const { a, b } = await counts();
    expect(a + b).toBe(6);
    expect([a, b].sort()).toEqual([0, 6]);
  });

  it('keeps requests with the same metadata.user_id on one account', async () => {
    const user = `user_${randomUUID()}`;
    for (let i = 0; i < 6; i++) await rig.client.messages.create({ ...ask(), metadata: { user_id: user } });
    const { a, b } = await counts();
    expect([a, b].sort()).toEqual([0, 6]);
  });

  it('spreads different sessions over both accounts', async () => {
    for (let i = 0; i < 20; i++) await rig.client.messages.create(ask(), inSession(randomUUID()));
    const { a, b } = await counts();
    expect(a + b).toBe(20);
    expect(a).toBeGreaterThanOrEqual(5);
    expect(b).toBeGreaterThanOrEqual(5);
  });

  it('moves a conversation off a cooling account, and it stays moved', async () => {
    const session = randomUUID();
    await rig.client.messages.create(ask(), inSession(session));
    const first = await counts();
    const home = first.a === 1 ? 'a' : 'b';
    const other = home === 'a' ? 'b' : 'a';

    await rig.script(home, { status: 429, 'retry-after': 1 });
    const { response } = await rig.client.messages.create(ask(), inSession(session)).withResponse();
    expect(response.status).toBe(200);
    expect(rig.account(home).state).toBe('cooling_down');
    expect((await counts())[other]).toBe(1);

    // Back from its cooldown, the old account does not take the conversation back.
    await waitFor(() => rig.account(home).state === 'active' || undefined, 5_000);
    for (let i = 0; i < 3; i++) await rig.client.messages.create(ask(), inSession(session));
    const last = await counts();
    expect(last[home]).toBe(2);
    expect(last[other]).toBe(4);
  });
});

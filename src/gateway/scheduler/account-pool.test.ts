import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../identity/secret-box.js';
import {
  MemoryAccountRepository,
  accountRecord,
  poolOver,
} from '../../../test/support/scheduler-fixtures.js';

const NOW = 1_000_000;
const throttle = (cooldownMs: number) =>
  ({ kind: 'rate_limited', cooldownMs, quotaExhausted: false, reason: 'throttled' }) as const;

describe('AccountPool', () => {
  it('saves a state change to the store', async () => {
    const record = accountRecord();
    const repository = new MemoryAccountRepository([record]);
    const pool = await poolOver(repository);
    const account = pool.get(record.id)!;
    pool.apply(account, throttle(5_000), NOW);
    await Promise.resolve();
    expect(repository.records.get(record.id)).toMatchObject({
      state: 'cooling_down',
      stateReason: 'throttled',
      cooldownUntil: new Date(NOW + 5_000),
    });
  });

  it('keeps a change made while a reload was reading the store', async () => {
    const record = accountRecord();
    const repository = new MemoryAccountRepository([record]);
    const pool = await poolOver(repository);
    const account = pool.get(record.id)!;

    let release = () => {};
    repository.holdLists = new Promise((resolve) => (release = resolve));
    const reloading = pool.reload();
    pool.apply(account, throttle(60_000), NOW);
    release();
    await reloading;
    // The reload read the state from before the 429; it must not undo the cooldown.
    expect(account.state).toBe('cooling_down');
    expect(account.cooldownUntil).toBe(NOW + 60_000);

    repository.holdLists = undefined;
    await pool.reload();
    expect(account.state).toBe('cooling_down');
  });

  it("adopts a state someone else saved, such as an admin's", async () => {
    const record = accountRecord();
    const repository = new MemoryAccountRepository([record]);
    const pool = await poolOver(repository);
    pool.apply(pool.get(record.id)!, throttle(60_000), NOW);
    await repository.update(record.id, { state: 'active', stateReason: null, cooldownUntil: null });
    await pool.reload();
    expect(pool.get(record.id)?.state).toBe('active');
    await repository.update(record.id, { state: 'disabled', stateReason: 'by admin' });
    await pool.reload();
    expect(pool.get(record.id)?.state).toBe('disabled');
  });

  it('ends a cooldown that has run out when asked whether the account is healthy, and saves it', async () => {
    const record = accountRecord();
    const repository = new MemoryAccountRepository([record]);
    const pool = await poolOver(repository);
    const account = pool.get(record.id)!;
    pool.apply(account, throttle(1_000), NOW);
    expect(pool.isHealthy(account, NOW + 999)).toBe(false);
    expect(pool.isHealthy(account, NOW + 1_000)).toBe(true);
    await Promise.resolve();
    expect(repository.records.get(record.id)?.state).toBe('active');
    expect(repository.records.get(record.id)?.cooldownUntil).toBeNull();
  });

  it('sweeps expired cooldowns and announces the capacity', async () => {
    const records = [accountRecord({ name: 'one' }), accountRecord({ name: 'two' })];
    const repository = new MemoryAccountRepository(records);
    let announced = 0;
    const pool = await poolOver(repository, () => announced++);
    announced = 0;
    const [one, two] = records.map((r) => pool.get(r.id)!);
    pool.apply(one!, throttle(1_000), NOW);
    pool.apply(two!, throttle(10_000), NOW);
    pool.sweep(NOW + 500);
    expect(announced).toBe(0);
    pool.sweep(NOW + 1_000);
    expect(announced).toBe(1);
    expect(one?.state).toBe('active');
    expect(two?.state).toBe('cooling_down');
  });

  it('keeps in-flight counts across a configuration change, and drops removed accounts', async () => {
    const record = accountRecord({ priority: 5 });
    const repository = new MemoryAccountRepository([record]);
    const pool = await poolOver(repository);
    const account = pool.get(record.id)!;
    account.inFlight = 2;
    await repository.update(record.id, { priority: 1 });
    await pool.reload();
    expect(pool.get(record.id)).toBe(account);
    expect(account.record.priority).toBe(1);
    expect(account.inFlight).toBe(2);
    await repository.remove(record.id);
    await pool.reload();
    expect(pool.accounts()).toHaveLength(0);
  });

  it('keeps an account whose credential cannot be decrypted out of traffic', async () => {
    const sealedElsewhere = new SecretBox(randomBytes(32)).seal('sk-ant-x', 'some-id');
    const record = accountRecord({ kind: 'anthropic_api', encryptedCredential: sealedElsewhere });
    const pool = await poolOver(new MemoryAccountRepository([record]));
    const account = pool.get(record.id)!;
    expect(account.state).toBe('needs_reauth');
    expect(account.stateReason).toContain('cannot be decrypted');
  });
});

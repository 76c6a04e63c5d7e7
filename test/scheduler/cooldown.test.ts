import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/gateway.js';
import { ask, metric, rejection, startRig, type Rig } from './rig.js';

/** A 429 cools the account down, traffic fails over, and the account comes back on its own. */
describe('rate limits: cooldown, failover and expiry', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig(
      [
        { name: 'a', priority: 1 },
        { name: 'b', priority: 2 },
      ],
      { QUEUE_MAX_WAIT_MS: '3000' },
    );
  });
  afterAll(async () => {
    await rig?.close();
  });
  beforeEach(async () => {
    await rig.reset();
  });

  it('fails over on a 429, cools the account for retry-after, then uses it again', async () => {
    await rig.script('a', { status: 429, 'retry-after': 1 });
    const first = await rig.client.messages.create(ask()).withResponse();
    expect(first.response.status).toBe(200);
    expect((await rig.stats('a')).requests).toBe(1);
    expect((await rig.stats('b')).requests).toBe(1);

    expect(rig.account('a').state).toBe('cooling_down');
    expect(rig.account('a').stateReason).toContain('short throttle');
    await waitFor(async () => (await rig.stored('a')).state === 'cooling_down');
    expect(
      await metric(rig.gateway, 'switchyard_account_state', { account: 'a', state: 'cooling_down' }),
    ).toBe(1);
    expect(await metric(rig.gateway, 'switchyard_account_state', { account: 'b', state: 'active' })).toBe(1);
    expect(await metric(rig.gateway, 'switchyard_failovers_total')).toBeGreaterThanOrEqual(1);
    expect(
      await metric(rig.gateway, 'switchyard_upstream_errors_total', { account: 'a', type: 'http_429' }),
    ).toBeGreaterThanOrEqual(1);

    await rig.client.messages.create(ask());
    expect((await rig.stats('a')).requests).toBe(1);
    expect((await rig.stats('b')).requests).toBe(2);

    // Nobody touches the account: the gateway's own sweep ends the cooldown and saves it.
    await waitFor(async () => (await rig.stored('a')).state === 'active', 5_000);
    expect(rig.account('a').state).toBe('active');
    expect(await metric(rig.gateway, 'switchyard_account_state', { account: 'a', state: 'active' })).toBe(1);
    await rig.client.messages.create(ask());
    expect((await rig.stats('a')).requests).toBe(2);
    expect((await rig.stats('b')).requests).toBe(2);
  });

  it('fails over a streaming request before its first byte, unseen by the client', async () => {
    await rig.script('a', { status: 429, 'retry-after': 1 });
    const stream = rig.client.messages.stream(ask());
    let deltas = 0;
    stream.on('text', () => deltas++);
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('end_turn');
    expect(deltas).toBe(20);
    expect((await rig.stats('a')).requests).toBe(1);
    expect((await rig.stats('b')).requests).toBe(1);
    expect(rig.account('a').state).toBe('cooling_down');
  });

  it('treats a short retry-after as a short throttle of about that length', async () => {
    await rig.script('a', { status: 429, 'retry-after': 2 });
    const before = Date.now();
    await rig.client.messages.create(ask());
    const a = rig.account('a');
    expect(a.state).toBe('cooling_down');
    expect(a.stateReason).toBe('rate limited (short throttle)');
    expect(a.cooldownUntil - before).toBeGreaterThanOrEqual(1_900);
    expect(a.cooldownUntil - Date.now()).toBeLessThanOrEqual(2_100);
  });

  it('treats an hour-long retry-after as an exhausted quota, cooled until the reset', async () => {
    await rig.script('a', { status: 429, 'retry-after': 3600 });
    await rig.client.messages.create(ask());
    const a = rig.account('a');
    expect(a.state).toBe('cooling_down');
    expect(a.stateReason).toBe('rate limit quota exhausted');
    expect(a.cooldownUntil - Date.now()).toBeGreaterThan(3_590_000);
    const stored = await waitFor(async () => {
      const view = await rig.stored('a');
      return view.state === 'cooling_down' ? view : undefined;
    });
    expect(Date.parse(stored.cooldownUntil ?? '') - Date.now()).toBeGreaterThan(3_590_000);
  });

  it('answers 429 rate_limit_error with retry-after when every account is rate limited', async () => {
    await rig.script('a', { status: 429, 'retry-after': 7 });
    await rig.script('b', { status: 429, 'retry-after': 5 });
    const error = await rejection(rig.client.messages.create(ask()));
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.type).toBe('rate_limit_error');
    // The soonest account is back in 5 s.
    expect(error.headers?.get('retry-after')).toBe('5');
    expect((await rig.stats('a')).requests + (await rig.stats('b')).requests).toBe(2);

    // While both cool down for longer than the queue may wait (3 s), the next client is told at once.
    const started = Date.now();
    const again = await rejection(rig.client.messages.create(ask()));
    expect(again.status).toBe(429);
    expect(Number(again.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(again.headers?.get('retry-after'))).toBeLessThanOrEqual(5);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect((await rig.stats('a')).requests + (await rig.stats('b')).requests).toBe(2);
  });

  it('holds a request in the queue while every account cools down briefly, then serves it', async () => {
    await rig.script('a', { status: 429, 'retry-after': 1 });
    await rig.script('b', { status: 429, 'retry-after': 1 });
    const error = await rejection(rig.client.messages.create(ask()));
    expect(error.headers?.get('retry-after')).toBe('1');
    const cooledUntil = Math.min(rig.account('a').cooldownUntil, rig.account('b').cooldownUntil);
    const { response } = await rig.client.messages.create(ask()).withResponse();
    expect(response.status).toBe(200);
    expect(Date.now()).toBeGreaterThanOrEqual(cooledUntil);
    expect((await rig.stats('a')).requests).toBe(2);
  });

  it('saves the end of a cooldown that a request noticed before the sweep did', async () => {
    await rig.script('a', { status: 429, 'retry-after': 1 });
    await rig.client.messages.create(ask());
    const a = rig.account('a');
    await waitFor(async () => (await rig.stored('a')).state === 'cooling_down');
    await waitFor(() => Date.now() > a.cooldownUntil, 3_000);
    await rig.client.messages.create(ask());
    expect((await rig.stats('a')).requests).toBe(2);
    // The store (and so the admin API and CLI) must not go on saying "cooling down".
    await waitFor(async () => (await rig.stored('a')).state === 'active', 3_000);
  });
});

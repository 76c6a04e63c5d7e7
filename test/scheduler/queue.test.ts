import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/gateway.js';
import { ask, metric, rejection, startRig, type Rig } from './rig.js';

/** Settles to 'pending' when the promise has not settled yet. */
async function peek(promise: Promise<unknown>): Promise<'pending' | 'settled'> {
  const marker = Symbol('pending');
  const result = await Promise.race([promise.then(() => 'settled' as const), Promise.resolve(marker)]);
  return result === marker ? 'pending' : 'settled';
}

/** With every account busy, requests wait their turn, within the queue's depth and wait limits. */
describe('admission queue', () => {
  describe('with room to wait', () => {
    let rig: Rig;
    beforeAll(async () => {
      rig = await startRig([{ name: 'solo', maxConcurrency: 1 }]);
    });
    afterAll(async () => {
      await rig?.close();
    });

    it('serves a second request once the only slot is free', async () => {
      const first = rig.client.messages.create(ask('[[mock latency=1000]] first')).withResponse();
      await waitFor(async () => (await rig.stats('solo')).inFlight === 1);
      const second = rig.client.messages.create(ask('second')).withResponse();
      await waitFor(async () => ((await metric(rig.gateway, 'switchyard_queue_depth')) ?? 0) > 0);
      // While the second waits, the upstream has only the first.
      expect((await rig.stats('solo')).requests).toBe(1);
      const [a, b] = await Promise.all([first, second]);
      expect(a.response.status).toBe(200);
      expect(b.response.status).toBe(200);
      expect((await rig.stats('solo')).requests).toBe(2);
      expect(await metric(rig.gateway, 'switchyard_queue_depth')).toBe(0);
      expect(rig.account('solo').inFlight).toBe(0);
    });

    it('drops a waiting request whose client gives up, without sending it upstream', async () => {
      const first = rig.client.messages.create(ask('[[mock latency=1000]] first'));
      await waitFor(async () => (await rig.stats('solo')).inFlight === 1);
      const requestsBefore = (await rig.stats('solo')).requests;
      const stop = new AbortController();
      const second = rig.client.messages.create(ask('second'), { signal: stop.signal });
      await waitFor(async () => ((await metric(rig.gateway, 'switchyard_queue_depth')) ?? 0) > 0);
      stop.abort();
      await expect(second).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
      await waitFor(async () => (await metric(rig.gateway, 'switchyard_queue_depth')) === 0);
      await first;
      // Give a wrongly kept waiter the time to reach the upstream after the slot frees.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await rig.stats('solo')).requests).toBe(requestsBefore);
      expect(rig.account('solo').inFlight).toBe(0);
    });
  });

  describe('with QUEUE_MAX_WAIT_MS=100', () => {
    let rig: Rig;
    beforeAll(async () => {
      rig = await startRig([{ name: 'solo', maxConcurrency: 1 }], { QUEUE_MAX_WAIT_MS: '100' });
    });
    afterAll(async () => {
      await rig?.close();
    });

    it('answers 429 with retry-after when the wait runs out', async () => {
      const stop = new AbortController();
      const first = rig.client.messages.create(ask('[[mock latency=5000]] first'), { signal: stop.signal });
      await waitFor(async () => (await rig.stats('solo')).inFlight === 1);
      const error = await rejection(rig.client.messages.create(ask('second')));
      expect(error).toBeInstanceOf(Anthropic.RateLimitError);
      expect(error.type).toBe('rate_limit_error');
      expect(Number(error.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await peek(first)).toBe('pending');
      expect((await rig.stats('solo')).requests).toBe(1);
      stop.abort();
      await first.catch(() => undefined);
      // Being busy is not the account's fault.
      expect(rig.account('solo').state).toBe('active');
    });
  });

  describe('with QUEUE_MAX_DEPTH=0', () => {
    let rig: Rig;
    beforeAll(async () => {
      rig = await startRig([{ name: 'solo', maxConcurrency: 1 }], { QUEUE_MAX_DEPTH: '0' });
    });
    afterAll(async () => {
      await rig?.close();
    });

    it('answers 429 at once when the queue is full', async () => {
      const stop = new AbortController();
      const first = rig.client.messages.create(ask('[[mock latency=5000]] first'), { signal: stop.signal });
      await waitFor(async () => (await rig.stats('solo')).inFlight === 1);
      const error = await rejection(rig.client.messages.create(ask('second')));
      expect(error.status).toBe(429);
      expect(error.type).toBe('rate_limit_error');
      expect(error.headers?.get('retry-after')).not.toBeNull();
      // Told while the first is still being answered, not after any wait.
      expect(await peek(first)).toBe('pending');
      stop.abort();
      await first.catch(() => undefined);
    });
  });
});

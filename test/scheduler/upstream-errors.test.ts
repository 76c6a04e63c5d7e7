import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ask, rejection, startRig, type Rig } from './rig.js';

async function totalRequests(rig: Rig, names: string[]): Promise<number> {
  let total = 0;
  for (const name of names) total += (await rig.stats(name)).requests;
  return total;
}

/** Server errors and rejected credentials: bounded failover, and answers that blame no one wrongly. */
describe('upstream errors', () => {
  let rig: Rig;
  const ALL = ['a', 'b', 'c'];

  beforeAll(async () => {
    rig = await startRig(
      [
        { name: 'a', priority: 1 },
        { name: 'b', priority: 2 },
        { name: 'c', priority: 3 },
      ],
      { MAX_FAILOVER_ATTEMPTS: '2', QUEUE_MAX_WAIT_MS: '200' },
    );
  });
  afterAll(async () => {
    await rig?.close();
  });
  beforeEach(async () => {
    await rig.reset();
  });

  /** Leaves only `name` usable, so it is "the only account". */
  async function only(name: string) {
    for (const other of ALL)
      if (other !== name) await rig.gateway.runtime.accounts.update(other, { state: 'disabled' });
  }

  it('stops after MAX_FAILOVER_ATTEMPTS when every account answers 529, then answers 529', async () => {
    for (const name of ALL) await rig.script(name, { status: 529 });
    const error = await rejection(rig.client.messages.create(ask()));
    expect(error.status).toBe(529);
    expect(error.type).toBe('overloaded_error');
    expect(await totalRequests(rig, ALL)).toBe(2);
    expect((await rig.stats('c')).requests).toBe(0);
  });

  it('tries the only account once on a 529 and answers 529 overloaded_error', async () => {
    await only('a');
    await rig.script('a', { status: 529 });
    const error = await rejection(rig.client.messages.create(ask()));
    expect(error.status).toBe(529);
    expect(error.type).toBe('overloaded_error');
    expect(await totalRequests(rig, ALL)).toBe(1);
  });

  it('answers 502 api_error when the only account fails with 500', async () => {
    await only('a');
    await rig.script('a', { status: 500 });
    const error = await rejection(rig.client.messages.create(ask()));
    expect(error.status).toBe(502);
    expect(error.type).toBe('api_error');
    expect(await totalRequests(rig, ALL)).toBe(1);
    expect(rig.account('a').state).toBe('cooling_down');
  });

  it('answers 429 with the retry-after, not 503, when the only usable account is rate limited', async () => {
    await only('a');
    await rig.script('a', { status: 429, 'retry-after': 9 });
    const error = await rejection(rig.client.messages.create(ask()));
    expect(error.status).toBe(429);
    expect(error.type).toBe('rate_limit_error');
    expect(error.headers?.get('retry-after')).toBe('9');
  });

  it('fails over on a 500 to a healthy account', async () => {
    await rig.script('a', { status: 500 });
    const { response } = await rig.client.messages.create(ask()).withResponse();
    expect(response.status).toBe(200);
    expect((await rig.stats('a')).requests).toBe(1);
    expect((await rig.stats('b')).requests).toBe(1);
  });

  it('marks an account whose credentials are refused as needing re-auth and moves on', async () => {
    await rig.script('a', { status: 401 });
    const { response } = await rig.client.messages.create(ask()).withResponse();
    expect(response.status).toBe(200);
    expect(rig.account('a').state).toBe('needs_reauth');
    expect((await rig.stats('b')).requests).toBe(1);

    // It stays out of rotation: no cooldown brings it back.
    await rig.client.messages.create(ask());
    expect((await rig.stats('a')).requests).toBe(1);
    expect((await rig.stats('b')).requests).toBe(2);
  });

  it('answers 503 api_error, never 401, when the only account is refused', async () => {
    await only('a');
    await rig.script('a', { status: 401 });
    const error = await rejection(rig.client.messages.create(ask()));
    expect(error).not.toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error.status).toBe(503);
    expect(error.type).toBe('api_error');
    expect(rig.account('a').state).toBe('needs_reauth');

    // With the account marked, the next request is told the same without reaching it.
    const again = await rejection(rig.client.messages.create(ask()));
    expect(again.status).toBe(503);
    expect(again.type).toBe('api_error');
    expect(again.message).toContain('re-authentication');
    expect((await rig.stats('a')).requests).toBe(1);
  });

  it('passes a 400 through without failing over or blaming the account', async () => {
    const error = await rejection(rig.client.messages.create(ask('[[mock status=400]]')));
    expect(error.status).toBe(400);
    expect(error.type).toBe('invalid_request_error');
    expect(await totalRequests(rig, ALL)).toBe(1);
    expect(rig.account('a').state).toBe('active');
  });
});

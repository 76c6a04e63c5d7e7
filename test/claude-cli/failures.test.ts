import { APIError } from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { flushUsage, waitFor } from '../support/gateway.js';
import { cliAccount, MOCK_TEXT, MODEL, startCliRig, textOf, type CliRig } from './rig.js';

interface MockStats {
  requests: number;
  aborted: number;
}

async function mockStats(rig: CliRig): Promise<MockStats> {
  return (await (await fetch(`${rig.upstream.url}/_mock/stats`)).json()) as MockStats;
}

/** Two CLI accounts over the mock: `cli-a` is tried first, `cli-b` takes over when it fails. */
describe('claude_cli failures, cancellation and account health', () => {
  let rig: CliRig;

  beforeAll(async () => {
    rig = await startCliRig(
      (url) => [cliAccount('cli-a', url, { priority: 1 }), cliAccount('cli-b', url, { priority: 2 })],
      { CLAUDE_CLI_IDLE_TIMEOUT_MS: '2500' },
    );
  });
  afterAll(async () => {
    await rig?.close();
  });

  const account = (name: string) => {
    const found = rig.gateway.runtime.pool.accounts().find((a) => a.name === name);
    if (!found) throw new Error(`no account ${name}`);
    return found;
  };
  // Each test starts with both accounts active and no process serving a turn.
  afterEach(async () => {
    await rig.settled();
    for (const name of ['cli-a', 'cli-b'])
      await rig.gateway.runtime.accounts.update(name, { state: 'active' });
  });

  it('interrupts the process when the client disconnects mid-stream, and the pool stays healthy', async () => {
    const before = await mockStats(rig);
    const stream = rig.client.messages.stream({
      model: MODEL,
      max_tokens: 1000,
      messages: [{ role: 'user', content: 'talk slowly [[mock tps=10 words=300]]' }],
    });
    const ended = stream.done().catch((error: unknown) => error);
    await new Promise<void>((resolve) => stream.once('text', () => resolve()));
    stream.abort();
    expect(await ended).toBeInstanceOf(Error);
    // The CLI stopped its upstream call (interrupt), and the process was stopped and removed.
    await waitFor(async () => (await mockStats(rig)).aborted > before.aborted, 15_000);
    await rig.settled();
    expect(rig.stats().unexpectedExits).toBe(0);
    const next = await rig.client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'still there?' }],
    });
    expect(textOf(next.content as unknown as Record<string, unknown>[])).toContain(MOCK_TEXT);
  });

  it('ends a stalled stream after the idle timeout with an SSE error instead of waiting 300 s', async () => {
    const started = Date.now();
    const stream = rig.client.messages.stream({
      model: MODEL,
      max_tokens: 1000,
      messages: [{ role: 'user', content: 'stall [[mock stall-after=3]]' }],
    });
    const error = await stream.finalMessage().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(/printed nothing for 2500 ms/);
    expect(Date.now() - started).toBeLessThan(60_000);
    await rig.settled();
  });

  it('cools an account down on 429 (the CLI does not retry) and fails over to the next one', async () => {
    const before = await mockStats(rig);
    await rig.script([{ status: 429 }]);
    const message = await rig.client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'rate limited first' }],
    });
    expect(textOf(message.content as unknown as Record<string, unknown>[])).toContain(MOCK_TEXT);
    expect((await mockStats(rig)).requests - before.requests).toBe(2);
    const a = account('cli-a');
    expect(a.state).toBe('cooling_down');
    expect(a.cooldownUntil).toBeGreaterThan(Date.now());
    await flushUsage(rig.gateway);
    const rows = await rig.gateway.runtime.store.usage.list();
    const served = rows.find(
      (r) =>
        r.status === 200 &&
        r.createdAt.getTime() >= Date.now() - 30_000 &&
        r.accountId === account('cli-b').id,
    );
    expect(served).toBeDefined();
  });

  it('marks an account needs_reauth on 401, logs it, counts it, and fails over', async () => {
    await rig.script([{ status: 401 }]);
    const message = await rig.client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'credentials rejected first' }],
    });
    expect(message.stop_reason).toBe('end_turn');
    expect(account('cli-a').state).toBe('needs_reauth');
    expect(rig.gateway.logs.join('')).toContain(
      'claude_cli account is not logged in or its credentials were rejected',
    );
    const metrics = await (await fetch(`${rig.gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/switchyard_claude_cli_auth_failures_total\{account="cli-a"\} 1/);
    expect(metrics).toMatch(/switchyard_claude_cli_spawns_total\{reason="cold"\} [1-9]/);
  });

  it('fails over before the first byte when a process crashes, and counts the crash', async () => {
    const before = rig.stats();
    const pending = rig.client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'slow start [[mock latency=4000]]' }],
    });
    const busy = await waitFor(
      () => rig.stats().live.find((p) => p.state === 'busy' && p.account === 'cli-a'),
      20_000,
    );
    process.kill(busy.pid, 'SIGKILL');
    const message = await pending;
    expect(message.stop_reason).toBe('end_turn');
    expect(rig.stats().unexpectedExits).toBe(before.unexpectedExits + 1);
    expect(account('cli-a').state).toBe('cooling_down');
  });
});

describe('a claude_cli account that is not logged in', () => {
  let rig: CliRig;

  beforeAll(async () => {
    rig = await startCliRig((url) => [
      cliAccount('cli-nologin', url, { apiKey: undefined, settings: { credentialType: 'none' } }),
    ]);
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('is marked needs_reauth and the client gets a 503, not a 401', async () => {
    const error = await rig.client.messages
      .create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(503);
    const account = rig.gateway.runtime.pool.accounts()[0];
    expect(account?.state).toBe('needs_reauth');
    expect(rig.gateway.logs.join('')).toContain('Not logged in');
  });
});

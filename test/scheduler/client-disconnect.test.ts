import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/gateway.js';
import { ask, eventNames, postStream, startRig, usageRows, waitForRows, type Rig } from './rig.js';

/**
 * A client that goes away mid-stream frees the upstream and the slot, and is billed for what it got
 * (the default, RESUMABLE_STREAMS=queued). With RESUMABLE_STREAMS=all the upstream is read to its
 * end for a resume instead (test/cluster/resume-direct.test.ts).
 */
describe('client disconnect mid-stream', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig([{ name: 'a' }]);
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('cancels the upstream, frees the slot and records one 499 row with the partial output', async () => {
    const stop = new AbortController();
    const response = await postStream(rig.gateway, ask('[[mock tps=20 words=200]] tell me a long story'), {
      signal: stop.signal,
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('request-id');
    expect(requestId).toMatch(/^req_/);

    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (eventNames(text).filter((e) => e === 'content_block_delta').length < 3) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended early');
      text += decoder.decode(value, { stream: true });
    }
    expect(rig.account('a').inFlight).toBe(1);
    stop.abort();

    await waitFor(async () => (await rig.stats('a')).aborted === 1, 1_000);
    await waitFor(() => rig.account('a').inFlight === 0, 1_000);
    // A client that left is not the account's fault.
    expect(rig.account('a').state).toBe('active');

    const rows = await waitForRows(rig.gateway, requestId);
    // Give a second (duplicate) write the chance to land before counting.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await usageRows(rig.gateway, requestId ?? '')).toHaveLength(1);
    const [row] = rows;
    expect(row?.status).toBe(499);
    expect(row?.stream).toBe(true);
    expect(row?.inputTokens).toBeGreaterThan(0);
    // At least the deltas the client saw, far fewer than the 200 it asked for.
    expect(row?.outputTokens).toBeGreaterThanOrEqual(3);
    expect(row?.outputTokens).toBeLessThan(200);
    expect(row?.accountId).toBe(rig.account('a').id);

    // The access log line waits for the pipeline, so even an aborted request's line is complete.
    const line = await waitFor(() => rig.gateway.logs.find((l) => l.includes(`"requestId":"${requestId}"`)));
    expect(JSON.parse(line)).toMatchObject({ status: 499, account: 'a', model: 'claude-sonnet-4-6' });
    expect(JSON.parse(line).outputTokens).toBeGreaterThanOrEqual(3);
  });

  it('cancels a non-streaming request whose client gives up while the upstream works', async () => {
    const before = (await rig.stats('a')).aborted;
    const stop = new AbortController();
    const pending = rig.client.messages.create(ask('[[mock latency=5000]] slow'), { signal: stop.signal });
    await waitFor(async () => (await rig.stats('a')).inFlight === 1);
    stop.abort();
    await pending.catch(() => undefined);
    await waitFor(async () => (await rig.stats('a')).aborted === before + 1, 1_000);
    await waitFor(() => rig.account('a').inFlight === 0, 1_000);
    const cancelledRows = async () => {
      await rig.gateway.runtime.ledger.flush();
      const rows = await rig.gateway.runtime.store.usage.list({ limit: 100 });
      return rows.filter((r) => !r.stream && r.status === 499);
    };
    await waitFor(async () => (await cancelledRows()).length > 0);
    const cancelled = await cancelledRows();
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]?.outputTokens).toBe(0);
  });
});

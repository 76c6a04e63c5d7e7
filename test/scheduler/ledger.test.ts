import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/gateway.js';
import { ask, rejection, startRig, type Rig } from './rig.js';

/** Every answered request is written to the usage ledger exactly once, under its own request id. */
describe('usage ledger', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig([
      { name: 'a', maxConcurrency: 32 },
      { name: 'b', maxConcurrency: 32 },
    ]);
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('writes exactly one row per concurrent request, keyed by the request-id header', async () => {
    const plain = Array.from({ length: 10 }, async () => {
      const { data, request_id } = await rig.client.messages
        .create(ask('[[mock latency=50]] hi'))
        .withResponse();
      return { id: request_id, status: 200, output: data.usage.output_tokens };
    });
    const streamed = Array.from({ length: 10 }, async () => {
      const stream = rig.client.messages.stream(ask('[[mock tps=200 words=5]] hi'));
      const final = await stream.finalMessage();
      return { id: stream.request_id, status: 200, output: final.usage.output_tokens };
    });
    const refused = Array.from({ length: 4 }, async () => {
      const error = await rejection(rig.client.messages.create(ask('[[mock status=400]] hi')));
      return { id: error.requestID, status: 400, output: 0 };
    });
    const sent = await Promise.all([...plain, ...streamed, ...refused]);
    const ids = sent.map((s) => s.id);
    expect(ids.every((id) => typeof id === 'string' && id.startsWith('req_'))).toBe(true);
    expect(new Set(ids).size).toBe(24);

    await waitFor(async () => {
      await rig.gateway.runtime.ledger.flush();
      return (await rig.gateway.runtime.store.usage.count()) >= 24;
    });
    // A late duplicate would show up here.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await rig.gateway.runtime.ledger.flush();
    const rows = await rig.gateway.runtime.store.usage.list({ limit: 1000 });
    expect(rows).toHaveLength(24);
    expect(new Set(rows.map((r) => r.requestId))).toEqual(new Set(ids));
    for (const request of sent) {
      const row = rows.find((r) => r.requestId === request.id);
      expect(row?.status).toBe(request.status);
      expect(row?.outputTokens).toBe(request.output);
    }
    expect(rig.gateway.runtime.ledger.stats.dropped).toBe(0);
  });
});

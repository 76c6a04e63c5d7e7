import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/gateway.js';
import { ask, eventNames, metric, postStream, startRig, waitForRows, type Rig } from './rig.js';

/** A streaming client kept waiting gets its 200 and `ping` events early, then the real stream. */
describe('pings while a stream waits', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig([{ name: 'solo', maxConcurrency: 1 }], { STREAM_PING_AFTER_MS: '50' });
  });
  afterAll(async () => {
    await rig?.close();
  });

  function expectCompleteStream(events: string[]) {
    const start = events.indexOf('message_start');
    expect(start).toBeGreaterThan(0);
    expect(events.slice(0, start).every((e) => e === 'ping')).toBe(true);
    expect(events.filter((e) => e === 'content_block_delta')).toHaveLength(20);
    expect(events.at(-1)).toBe('message_stop');
    expect(events).not.toContain('error');
  }

  it('pings while the upstream is slow to answer, then relays the whole stream', async () => {
    const response = await postStream(rig.gateway, ask('[[mock latency=400]] hi'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const requestId = response.headers.get('request-id');
    expect(requestId).toMatch(/^req_/);
    expectCompleteStream(eventNames(await response.text()));
    const rows = await waitForRows(rig.gateway, requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.outputTokens).toBe(20);
  });

  it('pings while the request is queued behind a busy account', async () => {
    const busy = rig.client.messages.create(ask('[[mock latency=1000]] busy'));
    await waitFor(async () => (await rig.stats('solo')).inFlight === 1);
    const response = await postStream(rig.gateway, ask('waiting'));
    expect(response.status).toBe(200);
    expect(await metric(rig.gateway, 'switchyard_queue_depth')).toBe(1);
    expectCompleteStream(eventNames(await response.text()));
    await busy;
  });

  it('reports a failure after the pings as an error event', async () => {
    const response = await postStream(rig.gateway, ask('[[mock latency=200 status=529]] hi'));
    expect(response.status).toBe(200);
    const body = await response.text();
    const events = eventNames(body);
    expect(events[0]).toBe('ping');
    expect(events.at(-1)).toBe('error');
    expect(events).not.toContain('message_start');
    expect(body).toContain('"type":"overloaded_error"');
    const rows = await waitForRows(rig.gateway, response.headers.get('request-id'));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.status).toBe(529);
  });
});

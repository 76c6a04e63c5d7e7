import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/gateway.js';
import { ask, rejection, startRig, waitForRows, type Rig } from './rig.js';

/** Upstream faults during a stream, and before its first byte. */
describe('stream faults', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig(
      [
        { name: 'a', priority: 1 },
        { name: 'b', priority: 2 },
      ],
      { UPSTREAM_IDLE_TIMEOUT_MS: '300', UPSTREAM_STREAM_FIRST_BYTE_TIMEOUT_MS: '1000' },
    );
  });
  afterAll(async () => {
    await rig?.close();
  });
  beforeEach(async () => {
    await rig.reset();
  });

  /** Streams with the SDK; returns the text deltas seen, the error thrown and the request id. */
  async function streamUntilError(text: string) {
    const stream = rig.client.messages.stream(ask(text));
    const deltas: string[] = [];
    stream.on('text', (delta) => deltas.push(delta));
    const error = await rejection(stream.finalMessage());
    return { deltas, error, requestId: stream.request_id };
  }

  async function onlyRow(requestId: string | null | undefined) {
    expect(requestId).toMatch(/^req_/);
    const rows = await waitForRows(rig.gateway, requestId);
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  it('ends a stream whose upstream drops with an error event, and bills the partial answer', async () => {
    const { deltas, error, requestId } = await streamUntilError('[[mock disconnect-after=3]] hi');
    expect(deltas).toHaveLength(3);
    expect(error.type).toBe('api_error');
    expect(error.message).toContain('incomplete');
    const row = await onlyRow(requestId);
    expect(row.outputTokens).toBe(3);
    expect(row.inputTokens).toBeGreaterThan(0);
    expect(row.errorType).toBe('api_error');
    expect(row.accountId).toBe(rig.account('a').id);
    // Nothing else was tried: the answer had begun.
    expect((await rig.stats('b')).requests).toBe(0);
    await waitFor(() => rig.account('a').inFlight === 0);
  });

  it('ends a stalled stream with a timeout_error event after the idle timeout', async () => {
    const started = Date.now();
    const { deltas, error, requestId } = await streamUntilError('[[mock stall-after=2]] hi');
    expect(deltas).toHaveLength(2);
    expect(error.type).toBe('timeout_error');
    expect(Date.now() - started).toBeLessThan(5_000);
    const row = await onlyRow(requestId);
    expect(row.errorType).toBe('timeout_error');
    expect(row.outputTokens).toBe(2);
    // The gateway let go of the upstream connection.
    await waitFor(async () => (await rig.stats('a')).inFlight === 0, 2_000);
  });

  it('passes an upstream error event through to the client', async () => {
    const { deltas, error, requestId } = await streamUntilError(
      '[[mock error-event-after=4 error-type=overloaded_error]] hi',
    );
    expect(deltas).toHaveLength(4);
    expect(error.type).toBe('overloaded_error');
    const row = await onlyRow(requestId);
    expect(row.errorType).toBe('overloaded_error');
    expect(row.outputTokens).toBe(4);
  });

  it('fails over when an account sends no headers in time', async () => {
    await rig.script('a', { hang: true });
    const stream = rig.client.messages.stream(ask());
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('end_turn');
    expect((await rig.stats('a')).requests).toBe(1);
    expect((await rig.stats('b')).requests).toBe(1);
    expect(rig.account('a').state).toBe('cooling_down');
    const row = await onlyRow(stream.request_id);
    expect(row.status).toBe(200);
    expect(row.accountId).toBe(rig.account('b').id);
    // The hanging request was given up, not left open.
    await waitFor(async () => (await rig.stats('a')).inFlight === 0, 2_000);
  });

  it('answers 504 timeout_error when the only account hangs', async () => {
    await rig.gateway.runtime.accounts.update('b', { state: 'disabled' });
    await rig.script('a', { hang: true });
    const error = await rejection(rig.client.messages.stream(ask()).finalMessage());
    expect(error.status).toBe(504);
    expect(error.type).toBe('timeout_error');
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    await waitFor(async () => (await rig.stats('a')).inFlight === 0, 2_000);
  });
});

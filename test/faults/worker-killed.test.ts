/**
 * A worker SIGKILLed while it runs a client's attempt, with a native gateway and two native
 * workers holding the same account (real PostgreSQL, real Redis, a fresh database and key prefix):
 * - mid-stream: the survivor takes the stalled job (BullMQ redelivery after JOB_LOCK_DURATION_MS),
 *   finds the answer half written and ends it with an error, which the client gets as an SSE
 *   `error` event; the gateway lives on and the ledger holds one row for the request;
 * - before the first byte: the survivor runs the attempt again and the client gets the whole
 *   answer, once;
 * - mid-stream with no other worker for the account: nobody can take the job again, so the
 *   gateway's idle timeout (UPSTREAM_IDLE_TIMEOUT_MS + 1 s) ends the answer with an error event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  FAULT_LOCK_MS,
  resultKinds,
  streamingJobTaken,
  startFaultCluster,
  StreamingClient,
  usageRows,
  usageRowsOnceWritten,
} from '../support/fault-cluster.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('a worker killed (SIGKILL) while it runs an attempt', () => {
  it('mid-stream: the client gets an SSE error event, the gateway lives on, one usage row', async () => {
    const { cluster, gateway, key, lane, holderOf } = await startFaultCluster(2, cleanups);
    // 200 words at 20 a second: ten seconds of answer, killed after the third delta.
    const client = await StreamingClient.open(gateway.url, key, 'long [[mock words=200 tps=20]]');
    expect(client.response.status).toBe(200);
    expect(await client.readUntil((c) => c.count('content_block_delta') >= 3)).toBe(true);
    const jobId = `${client.requestId}.1`;
    const { victim, survivorId } = await holderOf(jobId);

    victim.process.kill('SIGKILL');
    const killedAt = Date.now();
    await client.readToEnd();
    const recoveryMs = Date.now() - killedAt;

    const events = client.events;
    const last = events.at(-1)!;
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data)).toMatchObject({
      type: 'error',
      error: { type: 'api_error', message: expect.stringContaining('worker was lost') },
    });
    expect(client.count('message_stop')).toBe(0);
    const deltas = client.count('content_block_delta');
    expect(deltas).toBeGreaterThanOrEqual(3);
    expect(deltas).toBeLessThan(200);
    // Every relayed event keeps its id, in order, with no event twice.
    const ids = events.filter((e) => e.id !== undefined).map((e) => e.id!);
    expect(ids).toEqual([...new Set(ids)].sort((x, y) => x - y));
    // Detected by the survivor's stalled check: one to two lock periods (1.2 s measured), far
    // from the 30 s of the default lock; the bound leaves room for a loaded machine.
    expect(recoveryMs).toBeLessThan(FAULT_LOCK_MS * 10);
    expect(await lane.job(jobId)).toMatchObject({ processedBy: survivorId, delivered: 2 });

    // The gateway process did not crash, and it serves the next request through the survivor.
    expect(gateway.alive()).toBe(true);
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    const next = await StreamingClient.open(gateway.url, key, 'again [[mock words=5]]');
    await next.readToEnd();
    expect(next.count('content_block_delta')).toBe(5);
    expect(next.count('message_stop')).toBe(1);

    const rows = await usageRowsOnceWritten(cluster.databaseUrl, client.requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.error_type).toBe('api_error');
    // Still one after the survivor's redelivery has long finished and the ledger flushed again.
    await usageRowsOnceWritten(cluster.databaseUrl, next.requestId);
    expect(await usageRows(cluster.databaseUrl, client.requestId)).toHaveLength(1);
  });

  it('before its first byte: another worker answers in full, once', async () => {
    const fault = await startFaultCluster(2, cleanups);
    const { cluster, gateway, key, lane, holderOf } = fault;
    // The mock waits 2 s before its headers: the kill lands while nothing has been written yet.
    const pending = StreamingClient.open(gateway.url, key, 'slow start [[mock latency=2000 words=12]]');
    pending.catch(() => undefined); // awaited below; a failed test must not leave it unhandled
    const jobId = await streamingJobTaken(lane);
    const { victim, survivorId } = await holderOf(jobId);
    expect(await resultKinds(fault.admin, jobId)).toEqual([]);
    victim.process.kill('SIGKILL');
    const client = await pending;
    expect(client.response.status).toBe(200);
    await client.readToEnd();

    expect(client.count('error')).toBe(0);
    expect(client.count('message_start')).toBe(1);
    expect(client.count('content_block_delta')).toBe(12);
    expect(client.count('message_stop')).toBe(1);
    expect(`${client.requestId}.1`).toBe(jobId);
    expect(await lane.job(jobId)).toMatchObject({ processedBy: survivorId, delivered: 2 });
    const rows = await usageRowsOnceWritten(cluster.databaseUrl, client.requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 200, output_tokens: 12, error_type: null });
  });

  it('mid-stream, with no other worker for the account: an error event after the idle timeout', async () => {
    const idleMs = 2_000;
    const { cluster, gateway, key, holderOf } = await startFaultCluster(1, cleanups, {
      UPSTREAM_IDLE_TIMEOUT_MS: String(idleMs),
    });
    const client = await StreamingClient.open(gateway.url, key, 'long [[mock words=200 tps=20]]');
    expect(await client.readUntil((c) => c.count('content_block_delta') >= 3)).toBe(true);
    const { victim } = await holderOf(`${client.requestId}.1`);
    victim.process.kill('SIGKILL');
    const killedAt = Date.now();
    await client.readToEnd();
    const recoveryMs = Date.now() - killedAt;

    // Nobody can take the job again: the gateway's own idle timeout ends the answer.
    const last = client.events.at(-1)!;
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data)).toMatchObject({ error: { type: 'timeout_error' } });
    expect(client.count('message_stop')).toBe(0);
    expect(recoveryMs).toBeGreaterThanOrEqual(idleMs);
    expect(recoveryMs).toBeLessThan(idleMs + 5_000);
    expect(gateway.alive()).toBe(true);
    const rows = await usageRowsOnceWritten(cluster.databaseUrl, client.requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.error_type).toBe('timeout_error');
  });
});

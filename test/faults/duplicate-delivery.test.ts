/**
 * The same job delivered twice, on a native gateway and two native workers (real PostgreSQL and
 * Redis, fresh database and key prefix). The dangerous case is not a dead worker but a frozen one
 * (SIGSTOP: a long GC pause, a hung host): BullMQ hands its job to the other worker once the lock
 * expires, then the first one wakes up and carries on writing. The result stream is the commit
 * point (entries carry explicit seq ids), so the late writer is refused: the client sees one
 * answer, never two interleaved, and the ledger one row. Also: the same job id submitted again
 * while it runs and after it finished is not run again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultPieces } from '../../src/upstreams/mock/answer.js';
import type { JobSpec } from '../../src/queue/job.js';
import { waitFor } from '../queue/redis-test-support.js';
import {
  resultKinds,
  streamingJobTaken,
  startFaultCluster,
  StreamingClient,
  usageRowsOnceWritten,
} from '../support/fault-cluster.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** Waits until the thawed worker has tried to write and been refused. */
async function refusedLateWriter(output: () => string): Promise<void> {
  await waitFor(() => (output().includes('ResultStreamConflictError') ? true : undefined), 10_000);
}

describe('a job delivered twice', () => {
  it('a worker frozen before its first byte: the other answers, the late writer is refused', async () => {
    const fault = await startFaultCluster(2, cleanups);
    const { cluster, gateway, key, lane, holderOf } = fault;
    const pending = StreamingClient.open(gateway.url, key, 'frozen [[mock latency=1500 words=12]]');
    pending.catch(() => undefined); // awaited below; a failed test must not leave it unhandled
    const jobId = await streamingJobTaken(lane);
    const { victim, survivorId } = await holderOf(jobId);
    expect(await resultKinds(fault.admin, jobId)).toEqual([]);
    victim.process.kill('SIGSTOP');

    const client = await pending;
    await client.readToEnd();
    expect(await lane.job(jobId)).toMatchObject({ processedBy: survivorId, delivered: 2 });
    // The frozen worker wakes up with its upstream answer ready and tries to write it.
    victim.process.kill('SIGCONT');
    await refusedLateWriter(victim.output);

    expect(client.count('error')).toBe(0);
    expect(client.count('message_start')).toBe(1);
    expect(client.count('message_stop')).toBe(1);
    expect(client.answerText()).toBe(defaultPieces(12).join(''));
    const kinds = await resultKinds(fault.admin, jobId);
    expect(kinds.filter((kind) => kind === 'head')).toHaveLength(1);
    expect(kinds.at(-1)).toBe('end');
    expect(kinds.filter((kind) => kind === 'end' || kind === 'error')).toHaveLength(1);
    const rows = await usageRowsOnceWritten(cluster.databaseUrl, client.requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 200, output_tokens: 12, error_type: null });
  });

  it('a worker frozen mid-stream: one error event, nothing written after it once it wakes', async () => {
    const fault = await startFaultCluster(2, cleanups);
    const { cluster, gateway, key, lane, holderOf } = fault;
    const client = await StreamingClient.open(gateway.url, key, 'frozen later [[mock words=200 tps=20]]');
    expect(await client.readUntil((c) => c.count('content_block_delta') >= 3)).toBe(true);
    const jobId = `${client.requestId}.1`;
    const { victim, survivorId } = await holderOf(jobId);
    victim.process.kill('SIGSTOP');
    await client.readToEnd();
    expect(await lane.job(jobId)).toMatchObject({ processedBy: survivorId, delivered: 2 });
    const before = await resultKinds(fault.admin, jobId);
    expect(before.at(-1)).toBe('error');

    victim.process.kill('SIGCONT');
    await refusedLateWriter(victim.output);
    expect(await resultKinds(fault.admin, jobId)).toEqual(before);

    expect(client.events.at(-1)!.event).toBe('error');
    expect(client.count('error')).toBe(1);
    expect(client.count('message_stop')).toBe(0);
    // What the client got is the start of the one answer: no word twice, none skipped.
    const deltas = client.count('content_block_delta');
    expect(client.answerText()).toBe(defaultPieces(deltas).join(''));
    const rows = await usageRowsOnceWritten(cluster.databaseUrl, client.requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.error_type).toBe('api_error');
  });

  it('the same job id submitted again, while it runs and after it finished, runs once', async () => {
    const fault = await startFaultCluster(2, cleanups);
    const { admin, cluster, gateway, key, lane } = fault;
    const client = await StreamingClient.open(gateway.url, key, 'twice [[mock words=30 tps=30]]');
    expect(await client.readUntil((c) => c.count('content_block_delta') >= 1)).toBe(true);
    const jobId = `${client.requestId}.1`;
    const job = (await lane.queue.getJob(jobId))!;
    const spec = job.data as JobSpec;
    const body = Buffer.from(JSON.stringify({ model: spec.model, max_tokens: 200, messages: [] }));
    await admin.parts.jobs.submit(spec, body);
    await client.readToEnd();
    await waitFor(async () => ((await lane.job(jobId)).state === 'completed' ? true : undefined));
    await admin.parts.jobs.submit(spec, body);

    // A job submitted after the duplicates on the same FIFO lane: once it has been taken and
    // answered, a duplicate that had been queued would have been taken before it.
    const sentinel = await StreamingClient.open(gateway.url, key, 'after [[mock words=2]]');
    await sentinel.readToEnd();
    expect(sentinel.count('message_stop')).toBe(1);
    expect(await lane.job(jobId)).toMatchObject({ delivered: 1, state: 'completed' });

    expect(client.count('message_stop')).toBe(1);
    expect(client.answerText()).toBe(defaultPieces(30).join(''));
    const kinds = await resultKinds(fault.admin, jobId);
    expect(kinds.filter((kind) => kind === 'head')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'end')).toHaveLength(1);
    const rows = await usageRowsOnceWritten(cluster.databaseUrl, client.requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 200, output_tokens: 30 });
  });
});

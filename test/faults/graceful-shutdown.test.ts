/**
 * SIGTERM on the native processes of a distributed installation (real PostgreSQL and Redis, fresh
 * database and key prefix), with live streaming answers relayed through the queue:
 * - a gateway stops accepting (503 with retry-after, or the connection is refused once it stops
 *   listening), lets every live stream finish, writes their usage rows and exits 0; a stream that
 *   outlives SHUTDOWN_GRACE_MS is cut at the grace period and still gets its row;
 * - a worker takes no new job (another worker holding the account does), finishes its streams
 *   and exits 0; one that outlives the grace period is abandoned, taken by the other worker and
 *   ended with an error event, and the worker still exits 0 at the end of its grace period.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { messagesBody } from '../cluster/cluster-support.js';
import { waitFor } from '../queue/redis-test-support.js';
import {
  startFaultCluster,
  StreamingClient,
  usageRows,
  usageRowsOnceWritten,
  workerIdOf,
} from '../support/fault-cluster.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const STREAMS = 5;

/** A request on a fresh connection: its status and retry-after, or the socket error's code. */
function freshRequest(
  url: string,
  key: string,
): Promise<{ status?: number; retryAfter?: string; code?: string }> {
  return new Promise((resolve) => {
    const body = messagesBody('late [[mock words=2]]', false);
    const req = request(
      `${url}/v1/messages`,
      {
        method: 'POST',
        agent: false,
        headers: {
          'x-api-key': key,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode!, retryAfter: String(res.headers['retry-after']) }),
        );
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ code: error.code ?? error.message }));
    req.end(body);
  });
}

/** Opens `count` streams and waits until every one has its first text delta. */
async function liveStreams(url: string, key: string, prompt: string, count = STREAMS) {
  const clients = await Promise.all(
    Array.from({ length: count }, (_, i) => StreamingClient.open(url, key, `${i} ${prompt}`)),
  );
  await Promise.all(clients.map((c) => c.readUntil((client) => client.count('content_block_delta') >= 1)));
  return clients;
}

describe('SIGTERM on a gateway', () => {
  it('lets live queued streams finish, refuses new requests, writes their usage, exits 0', async () => {
    const { cluster, gateway, key } = await startFaultCluster(
      1,
      cleanups,
      {},
      {
        SHUTDOWN_GRACE_MS: '15000',
        LOG_LEVEL: 'info',
        // Rows reach PostgreSQL only through the flush at shutdown.
        USAGE_FLUSH_INTERVAL_MS: '600000',
      },
    );
    const clients = await liveStreams(gateway.url, key, '[[mock words=40 tps=20]]');
    const signalledAt = Date.now();
    gateway.signal('SIGTERM');
    await waitFor(() => (gateway.output().includes('shutting down') ? true : undefined));
    const refused = await freshRequest(gateway.url, key);
    if (refused.code === undefined) {
      expect(refused.status).toBe(503);
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    } else expect(refused.code).toBe('ECONNREFUSED');

    await Promise.all(clients.map((c) => c.readToEnd()));
    expect(await gateway.exited).toBe(0);
    const drainMs = Date.now() - signalledAt;
    expect(drainMs).toBeLessThan(15_000);
    for (const client of clients) {
      expect(client.count('content_block_delta')).toBe(40);
      expect(client.events.at(-1)!.event).toBe('message_stop');
      expect(await usageRows(cluster.databaseUrl, client.requestId)).toMatchObject([
        { status: 200, output_tokens: 40 },
      ]);
    }
  });

  it('cuts a stream that outlives the grace period, still records it, and exits 0', async () => {
    const graceMs = 1_500;
    const { cluster, gateway, key } = await startFaultCluster(
      1,
      cleanups,
      {},
      {
        SHUTDOWN_GRACE_MS: String(graceMs),
        USAGE_FLUSH_INTERVAL_MS: '600000',
      },
    );
    const [client] = await liveStreams(gateway.url, key, '[[mock words=400 tps=20]]', 1);
    const signalledAt = Date.now();
    gateway.signal('SIGTERM');
    await client!.readToEnd().catch(() => undefined);
    expect(await gateway.exited).toBe(0);
    const exitMs = Date.now() - signalledAt;
    expect(exitMs).toBeGreaterThanOrEqual(graceMs - 100);
    expect(exitMs).toBeLessThan(graceMs + 5_000);
    expect(client!.count('message_stop')).toBe(0);
    // Recorded as a request its client did not see to the end, with the output relayed so far.
    const rows = await usageRows(cluster.databaseUrl, client!.requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe(499);
  });
});

describe('SIGTERM on a worker', () => {
  it('takes no new job, finishes its live streams, exits 0', async () => {
    const { admin, cluster, gateway, key, lane, workers } = await startFaultCluster(1, cleanups, {
      SHUTDOWN_GRACE_MS: '15000',
    });
    const [leavingId, leaving] = [...workers][0]!;
    const clients = await liveStreams(gateway.url, key, '[[mock words=40 tps=15]]');
    // A second worker for the account joins once the streams run on the first.
    const staying = await cluster.startNativeWorker(['remote-mock']);
    const stayingId = workerIdOf(staying.output());
    const signalledAt = Date.now();
    leaving.process.kill('SIGTERM');
    // It leaves the registry first; from then on it must take nothing new.
    await waitFor(async () =>
      (await admin.parts.workers.list()).some((w) => w.id === leavingId) ? undefined : true,
    );
    const late = await StreamingClient.open(gateway.url, key, 'late [[mock words=5]]');
    await late.readToEnd();
    expect(late.count('message_stop')).toBe(1);
    expect((await lane.job(`${late.requestId}.1`)).processedBy).toBe(stayingId);

    await Promise.all(clients.map((c) => c.readToEnd()));
    expect(await leaving.stop()).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(15_000);
    for (const client of clients) {
      expect(client.count('content_block_delta')).toBe(40);
      expect(client.events.at(-1)!.event).toBe('message_stop');
      expect((await lane.job(`${client.requestId}.1`)).processedBy).toBe(leavingId);
      const rows = await usageRowsOnceWritten(cluster.databaseUrl, client.requestId);
      expect(rows).toMatchObject([{ status: 200, output_tokens: 40 }]);
    }
  });

  it('abandons a stream that outlives the grace period: exits 0, the other worker ends it', async () => {
    const graceMs = 1_500;
    const { cluster, gateway, key, holderOf } = await startFaultCluster(2, cleanups, {
      SHUTDOWN_GRACE_MS: String(graceMs),
    });
    const [client] = await liveStreams(gateway.url, key, '[[mock words=400 tps=20]]', 1);
    const jobId = `${client!.requestId}.1`;
    const { victim, survivorId } = await holderOf(jobId);
    const signalledAt = Date.now();
    victim.process.kill('SIGTERM');
    expect(await victim.stop()).toBe(0);
    const exitMs = Date.now() - signalledAt;
    expect(exitMs).toBeGreaterThanOrEqual(graceMs - 100);
    expect(exitMs).toBeLessThan(graceMs + 5_000);

    await client!.readToEnd();
    expect(client!.events.at(-1)!.event).toBe('error');
    expect(client!.count('message_stop')).toBe(0);
    expect(survivorId).toBeDefined();
    const rows = await usageRowsOnceWritten(cluster.databaseUrl, client!.requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.error_type).toBe('api_error');
  });
});

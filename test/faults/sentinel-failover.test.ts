/**
 * A Redis master SIGKILLed under traffic, with Sentinel promoting its replica (processes of the
 * test's own on spare ports: master, replica, three sentinels). A distributed gateway and worker
 * find Redis through the sentinels (REDIS_SENTINELS). Clients keep sending streaming and
 * non-streaming requests for a worker-served account throughout. Asserted: every request either
 * succeeds with the whole answer or gets a retryable 503 (retry-after, Anthropic error JSON),
 * none hangs; every answer that started (status 200) completes exactly once and is metered once;
 * traffic resumes after the promotion without restarting anything; /ready goes 503, then 200.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPieces } from '../../src/upstreams/mock/answer.js';
import {
  messagesBody,
  parseSse,
  post,
  setAccounts,
  startTestCluster,
  type ClusterGateway,
  type TestCluster,
} from '../cluster/cluster-support.js';
import { usageRows } from '../support/fault-cluster.js';
import { MASTER_NAME, startSentinelGroup, type SentinelGroup } from '../support/redis-sentinel.js';

/** A job's lock must outlast the failover, or the stalled check hands running jobs out again. */
const LOCK_MS = 10_000;
const STREAM_WORDS = 12;
const PLAIN_WORDS = 5;
const CLIENTS = 4;
/**
 * No request may take longer than this: past it, it counts as a hang. The slowest legitimate path
 * is a job whose move to active was applied but whose reply the failover cut: its lock expires
 * (LOCK_MS) and the next stalled check (every LOCK_MS) hands it out again, then it runs.
 */
const HANG_MS = 2 * LOCK_MS + 5_000;

interface Outcome {
  startedAt: number;
  endedAt: number;
  stream: boolean;
  status: number;
  requestId: string | null;
  retryAfter: string | null;
  body: string;
}

describe('Redis master killed under traffic, Sentinel promotes the replica', () => {
  let group: SentinelGroup;
  let cluster: TestCluster;
  let gateway: ClusterGateway;
  let key: string;

  beforeAll(async () => {
    group = await startSentinelGroup();
    cluster = await startTestCluster({
      REDIS_URL: '',
      REDIS_SENTINELS: group.sentinelList,
      REDIS_SENTINEL_MASTER: MASTER_NAME,
      JOB_LOCK_DURATION_MS: String(LOCK_MS),
      // The worker's heartbeats pause during the failover: do not call it lost meanwhile.
      WORKER_LOST_AFTER_MS: '8000',
    });
    gateway = await cluster.startGateway();
    await setAccounts(gateway, [{ kind: 'mock', name: 'remote-mock', settings: { servedBy: 'worker' } }]);
    ({ secret: key } = await gateway.runtime.apiKeys.create({ name: 'k' }));
    await cluster.startWorker(['remote-mock']);
  }, 90_000);
  afterAll(async () => {
    await cluster?.close().catch(() => {});
    await group?.stop();
  });

  const ask = async (stream: boolean): Promise<Outcome> => {
    const words = stream ? STREAM_WORDS : PLAIN_WORDS;
    const prompt = stream ? `stream [[mock words=${words} tps=30]]` : `plain [[mock words=${words}]]`;
    const startedAt = Date.now();
    const response = await post(gateway.url, key, messagesBody(prompt, stream), AbortSignal.timeout(HANG_MS));
    const body = await response.text();
    return {
      startedAt,
      endedAt: Date.now(),
      stream,
      status: response.status,
      requestId: response.headers.get('request-id'),
      retryAfter: response.headers.get('retry-after'),
      body,
    };
  };

  /** The answer's text, or why it is not a whole answer. */
  const answerOf = (outcome: Outcome): string => {
    if (!outcome.stream) {
      const message = JSON.parse(outcome.body) as { content: { text: string }[] };
      return message.content.map((block) => block.text).join('');
    }
    const events = parseSse(outcome.body);
    const failed = events.find((event) => event.event === 'error');
    if (failed) return `error event: ${failed.data}`;
    if (!events.some((event) => event.event === 'message_stop')) return 'no message_stop';
    return events
      .filter((event) => event.event === 'content_block_delta')
      .map((event) => (JSON.parse(event.data) as { delta: { text?: string } }).delta.text ?? '')
      .join('');
  };

  it('loses no started answer, answers only 200 or a retryable 503, and recovers by itself', async () => {
    await expect.poll(async () => (await ask(false)).status, { timeout: 15_000, interval: 200 }).toBe(200);
    const readiness: { at: number; status: number }[] = [];
    let running = true;
    const readyProbe = (async () => {
      while (running) {
        const response = await fetch(`${gateway.url}/ready`).catch(() => undefined);
        readiness.push({ at: Date.now(), status: response?.status ?? 0 });
        await response?.text();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const outcomes: Outcome[] = [];
    const clients = Array.from({ length: CLIENTS }, async (_, client) => {
      for (let n = 0; running && n < 2_000; n++) {
        outcomes.push(await ask((n + client) % 2 === 0));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    // Short requests all along, so some arrive while there is no master (the others may all be
    // waiting inside answers that span the failover).
    clients.push(
      (async () => {
        for (let n = 0; running && n < 2_000; n++) {
          outcomes.push(await ask(false));
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })(),
    );

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const oldMasterPort = group.master.port;
    const killedAt = Date.now();
    await group.master.kill('SIGKILL');
    await expect.poll(() => group.masterPort(), { timeout: 30_000, interval: 100 }).toBe(group.replica.port);
    const promotedAt = Date.now();
    // Traffic after the promotion: until five seconds of it were answered with 200s.
    await expect
      .poll(() => outcomes.filter((o) => o.status === 200 && o.startedAt > promotedAt + 1_000).length, {
        timeout: 30_000,
        interval: 200,
      })
      .toBeGreaterThanOrEqual(10);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    running = false;
    await Promise.all([...clients, readyProbe]);

    // Every request ended (none hung past HANG_MS: fetch would have thrown) with 200 or 503.
    const unexpected = outcomes.filter((o) => o.status !== 200 && o.status !== 503);
    expect(unexpected.map((o) => `${o.status} ${o.body.slice(0, 200)}`)).toEqual([]);
    expect(outcomes.some((o) => o.status === 503 && o.startedAt > killedAt)).toBe(true);
    for (const refused of outcomes.filter((o) => o.status === 503)) {
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
      expect(JSON.parse(refused.body)).toMatchObject({
        type: 'error',
        error: { type: expect.stringMatching(/^(api_error|overloaded_error)$/) },
      });
    }
    // Every started answer is whole, once: the mock's words, no more, no less, no error event.
    const served = outcomes.filter((o) => o.status === 200);
    for (const outcome of served) {
      expect(answerOf(outcome)).toBe(defaultPieces(outcome.stream ? STREAM_WORDS : PLAIN_WORDS).join(''));
    }
    // Answers in flight at the kill (started before it, ended after it) are among them.
    const spanning = served.filter((o) => o.startedAt < killedAt && o.endedAt > killedAt);
    expect(spanning.length).toBeGreaterThan(0);
    // Metered exactly once each (the gateway flushes the ledger every 50 ms).
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const outcome of served) {
      const rows = await usageRows(cluster.databaseUrl, outcome.requestId!);
      expect(rows.map((row) => [row.status, row.output_tokens])).toEqual([
        [200, outcome.stream ? STREAM_WORDS : PLAIN_WORDS],
      ]);
    }
    for (const refused of outcomes.filter((o) => o.status === 503 && o.requestId)) {
      expect((await usageRows(cluster.databaseUrl, refused.requestId!)).length).toBeLessThanOrEqual(1);
    }

    // /ready: 200 before the kill, 503 during the failover, 200 again at the end.
    expect(readiness.filter((r) => r.at < killedAt).every((r) => r.status === 200)).toBe(true);
    expect(readiness.some((r) => r.at > killedAt && r.status === 503)).toBe(true);
    expect(readiness.at(-1)?.status).toBe(200);
    expect(await group.masterPort()).not.toBe(oldMasterPort);

    const firstServedAfterKill = served
      .filter((o) => o.startedAt > killedAt)
      .sort((a, b) => a.startedAt - b.startedAt)[0];
    const lastRefused = Math.max(...outcomes.filter((o) => o.status === 503).map((o) => o.endedAt));
    const readyAgain = readiness.find(
      (r) =>
        r.at > killedAt &&
        r.status === 200 &&
        readiness.some((x) => x.at > killedAt && x.at < r.at && x.status === 503),
    );
    console.info(
      `sentinel failover: ${outcomes.length} requests (${served.length} 200, ${outcomes.length - served.length} 503); ` +
        `${spanning.length} answers spanned the kill; promoted ${promotedAt - killedAt} ms after the kill; ` +
        `first request started after the kill and served: +${(firstServedAfterKill?.startedAt ?? NaN) - killedAt}` +
        ` to +${(firstServedAfterKill?.endedAt ?? NaN) - killedAt} ms; last 503 at +${lastRefused - killedAt} ms; ` +
        `/ready 200 again at +${(readyAgain?.at ?? NaN) - killedAt} ms`,
    );
  }, 120_000);
});

/**
 * Helpers for the fault tests (test/faults/): a native `switchyard gateway` process, streaming
 * clients read event by event, the usage ledger read straight from PostgreSQL, and BullMQ's own
 * record of a job (which worker took it, how often it was delivered).
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Queue } from 'bullmq';
import pg from 'pg';
import { laneOf, type JobSpec } from '../../src/queue/job.js';
import { RedisKeys } from '../../src/queue/redis-keys.js';
import {
  messagesBody,
  parseSse,
  post,
  setAccounts,
  startTestCluster,
  type ClusterGateway,
  type NativeWorker,
  type SseEvent,
  type TestCluster,
} from '../cluster/cluster-support.js';
import { waitFor } from '../queue/redis-test-support.js';
import { baseEnv, BIN, makeDataDir } from './cli.js';

export interface NativeProcess {
  pid: number;
  output: () => string;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  alive(): boolean;
  signal(signal: NodeJS.Signals): void;
}

export interface NativeGateway extends NativeProcess {
  url: string;
}

/** `node dist/main.js gateway` on a free port with the cluster's environment; resolves once it serves. */
export async function startNativeGateway(
  cluster: TestCluster,
  extra: Record<string, string> = {},
  cleanups: (() => Promise<unknown>)[],
): Promise<NativeGateway> {
  const data = await makeDataDir();
  const child = spawn(process.execPath, [BIN, 'gateway'], {
    env: baseEnv(data.dir, { ...cluster.env, SWITCHYARD_DATA_DIR: data.dir, LOG_LEVEL: 'warn', ...extra }),
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  cleanups.push(async () => {
    if (alive()) child.kill('SIGKILL');
    await exited;
    await data.remove();
  });
  const url = await waitFor(async () => {
    if (!alive()) throw new Error(`gateway exited early: ${output}`);
    try {
      return (JSON.parse(await readFile(path.join(data.dir, 'server.json'), 'utf8')) as { url: string }).url;
    } catch {
      return undefined;
    }
  }, 30_000);
  return { url, pid: child.pid!, output: () => output, exited, alive, signal: (s) => child.kill(s) };
}

/** The registry id a native worker printed when it started serving. */
export function workerIdOf(output: string): string {
  const id = /Switchyard worker (\S+) is serving/.exec(output)?.[1];
  if (!id) throw new Error(`no worker id in: ${output}`);
  return id;
}

/** A streaming client, read event by event. */
export class StreamingClient {
  text = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private done = false;

  private constructor(readonly response: Response) {
    this.reader = response.body!.getReader();
  }

  static async open(url: string, key: string, prompt: string): Promise<StreamingClient> {
    return new StreamingClient(await post(url, key, messagesBody(prompt, true)));
  }

  get requestId(): string {
    return this.response.headers.get('request-id')!;
  }

  get events(): SseEvent[] {
    return parseSse(this.text);
  }

  count(event: string): number {
    return this.events.filter((e) => e.event === event).length;
  }

  /** Reads until `until` holds (or the answer ends); true if it holds. */
  async readUntil(until: (client: StreamingClient) => boolean): Promise<boolean> {
    while (!until(this) && !this.done) {
      const { value, done } = await this.reader.read();
      if (done) this.done = true;
      else this.text += Buffer.from(value).toString('utf8');
    }
    return until(this);
  }

  async readToEnd(): Promise<string> {
    await this.readUntil(() => false);
    return this.text;
  }

  /** The answer's text: every text delta joined, to compare with what the mock says. */
  answerText(): string {
    return this.events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => (JSON.parse(e.data) as { delta: { text?: string } }).delta.text ?? '')
      .join('');
  }
}

export interface UsageRow {
  request_id: string;
  status: number;
  output_tokens: number;
  error_type: string | null;
}

/** The ledger's rows for a request, read from PostgreSQL itself (not through a gateway). */
export async function usageRows(databaseUrl: string, requestId: string): Promise<UsageRow[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<UsageRow>(
      'select request_id, status, output_tokens, error_type from usage where request_id = $1',
      [requestId],
    );
    return result.rows;
  } finally {
    await client.end();
  }
}

/** Waits until the ledger holds a row for the request (gateways flush every USAGE_FLUSH_INTERVAL_MS). */
export async function usageRowsOnceWritten(databaseUrl: string, requestId: string): Promise<UsageRow[]> {
  return waitFor(async () => {
    const rows = await usageRows(databaseUrl, requestId);
    return rows.length > 0 ? rows : undefined;
  }, 10_000);
}

/** BullMQ's view of an account's lane: which worker holds a job, how often it was delivered. */
export class LaneProbe {
  readonly queue: Queue;

  constructor(cluster: TestCluster, accountId: string) {
    this.queue = new Queue(laneOf(accountId, true), {
      connection: { url: cluster.env.REDIS_URL },
      prefix: new RedisKeys(cluster.prefix).bullPrefix,
    });
  }

  async job(jobId: string): Promise<{ processedBy: string | undefined; delivered: number; state: string }> {
    const job = await this.queue.getJob(jobId);
    if (!job) return { processedBy: undefined, delivered: 0, state: 'unknown' };
    return { processedBy: job.processedBy, delivered: job.attemptsStarted, state: await job.getState() };
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}

/** The kinds of the entries in a job's result stream, in order (head, data…, end or error). */
export async function resultKinds(gateway: ClusterGateway, jobId: string): Promise<string[]> {
  const { entries } = await gateway.parts.results.read(jobId, 0, { count: 100_000 });
  return entries.map((entry) => entry.kind);
}

/** The id of the first streaming job a worker has taken on the lane (readiness probes are not). */
export function streamingJobTaken(lane: LaneProbe): Promise<string> {
  return waitFor(async () => (await lane.queue.getActive()).find((job) => (job.data as JobSpec).stream)?.id);
}

/** BullMQ's lock in fault tests: short, so a dead worker's job returns in seconds, not a minute. */
export const FAULT_LOCK_MS = 1_000;

/**
 * A fresh installation (database, key prefix) with one worker-served mock account, a native
 * gateway for clients, an in-process one (`admin`) for setup and inspection, and `workerCount`
 * native workers holding the account. Resolves once the native gateway serves through them.
 */
export async function startFaultCluster(
  workerCount: number,
  cleanups: (() => Promise<unknown>)[],
  env: Record<string, string> = {},
  gatewayEnv: Record<string, string> = {},
) {
  const cluster = await startTestCluster({ JOB_LOCK_DURATION_MS: String(FAULT_LOCK_MS), ...env });
  cleanups.push(() => cluster.close());
  const admin = await cluster.startGateway();
  await setAccounts(admin, [{ kind: 'mock', name: 'remote-mock', settings: { servedBy: 'worker' } }]);
  const { secret: key } = await admin.runtime.apiKeys.create({ name: 'k' });
  const accountId = (await admin.runtime.accounts.list())[0]!.id;
  const [gateway, ...started] = await Promise.all([
    startNativeGateway(cluster, gatewayEnv, cleanups),
    ...Array.from({ length: workerCount }, () => cluster.startNativeWorker(['remote-mock'])),
  ]);
  const lane = new LaneProbe(cluster, accountId);
  cleanups.push(() => lane.close());
  const workers = new Map<string, NativeWorker>(
    started.map((worker) => [workerIdOf(worker.output()), worker] as const),
  );
  await waitFor(async () => ((await admin.parts.workers.list()).length === workerCount ? true : undefined));
  await waitFor(async () => {
    const response = await post(gateway.url, key, messagesBody('ready? [[mock words=1]]', false));
    await response.text();
    return response.status === 200 ? true : undefined;
  }, 15_000);
  /** The worker BullMQ says took the job, and another one (if any). */
  const holderOf = async (jobId: string) => {
    const processedBy = await waitFor(async () => (await lane.job(jobId)).processedBy);
    const victim = workers.get(processedBy);
    if (!victim) throw new Error(`unknown worker ${processedBy}`);
    const survivorId = [...workers.keys()].find((id) => id !== processedBy);
    return { victim, victimId: processedBy, survivorId };
  };
  return { cluster, admin, gateway, key, lane, workers, holderOf };
}

/**
 * A distributed installation for tests: real PostgreSQL (a fresh database), real Redis (a fresh
 * key prefix), gateways as in-process runtimes on real HTTP ports (the code `switchyard gateway`
 * runs), and workers either in-process (startWorkerNode, as `switchyard worker` runs it) or as
 * native processes (`node dist/main.js worker`, built by `npm run build`).
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { GatewayCluster } from '../../src/cluster/gateway-cluster.js';
import { openDistributedParts, type QueueParts } from '../../src/cluster/queue-parts.js';
import { startWorkerNode, type WorkerNode } from '../../src/cluster/worker-node.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { SecretBox } from '../../src/identity/secret-box.js';
import { createLogger, type Logger } from '../../src/observability/logger.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import type { NewAccountInput } from '../../src/services/admin-types.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { BIN } from '../support/cli.js';
import { createTestDatabase } from '../support/postgres.js';
import { commandConnection, deleteKeys, freshPrefix, TEST_REDIS_URL } from '../queue/redis-test-support.js';

export interface ClusterGateway {
  url: string;
  runtime: Runtime;
  store: Store;
  parts: QueueParts;
  close(): Promise<void>;
}

export interface ClusterWorker {
  node: WorkerNode;
  parts: QueueParts;
  stop(graceMs?: number): Promise<{ finished: boolean }>;
}

export interface NativeWorker {
  process: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface TestCluster {
  env: Record<string, string>;
  config: Config;
  prefix: string;
  databaseUrl: string;
  masterKey: Buffer;
  logs: string[];
  startGateway(): Promise<ClusterGateway>;
  startWorker(accounts: string[], id?: string): Promise<ClusterWorker>;
  startNativeWorker(accounts: string[], extra?: Record<string, string>): Promise<NativeWorker>;
  close(): Promise<void>;
}

export async function startTestCluster(extraEnv: Record<string, string> = {}): Promise<TestCluster> {
  const database = await createTestDatabase();
  const prefix = freshPrefix();
  const masterKey = randomBytes(32);
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    SWITCHYARD_MASTER_KEY: masterKey.toString('hex'),
    SWITCHYARD_DATA_DIR: '/tmp/switchyard-test-unused',
    WORKER_HEARTBEAT_INTERVAL_MS: '200',
    WORKER_LOST_AFTER_MS: '1000',
    USAGE_FLUSH_INTERVAL_MS: '50',
    ACCOUNT_REFRESH_INTERVAL_MS: '500',
    OUTBOUND_ALLOW_PRIVATE: 'true', // the mock upstreams are on loopback
    LOG_LEVEL: 'warn',
    PORT: '0',
    ...extraEnv,
  };
  const config = loadConfig(env);
  const logs: string[] = [];
  const logger: Logger = createLogger({
    level: config.logLevel,
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  const closers: (() => Promise<unknown>)[] = [];

  return {
    env,
    config,
    prefix,
    databaseUrl: database.url,
    masterKey,
    logs,
    async startGateway() {
      const store = await openStore(config.database);
      const parts = await openDistributedParts(config.redis!, config.cluster, () => {});
      const cluster = new GatewayCluster(parts, config, logger);
      const runtime = await createRuntime(config, store, masterKey, logger, cluster);
      await runtime.app.listen({ port: 0, host: '127.0.0.1' });
      const address = runtime.app.server.address();
      if (typeof address !== 'object' || address === null) throw new Error('no address');
      let closed = false;
      const close = async () => {
        if (closed) return;
        closed = true;
        await runtime.stop();
        await parts.close();
        await store.close();
      };
      closers.push(close);
      return { url: `http://127.0.0.1:${address.port}`, runtime, store, parts, close };
    },
    async startWorker(accounts, id) {
      const store = await openStore(config.database);
      const parts = await openDistributedParts(config.redis!, config.cluster, () => {}, { role: 'worker' });
      const node = await startWorkerNode({
        config,
        repository: store.accounts,
        secretBox: new SecretBox(masterKey),
        parts,
        logger,
        options: { accounts, ...(id ? { id } : {}) },
      });
      let stopped: Promise<{ finished: boolean }> | undefined;
      const stop = (graceMs = 5_000) =>
        (stopped ??= (async () => {
          const result = await node.stop(graceMs);
          await parts.close();
          await store.close();
          return result;
        })());
      closers.push(() => stop(100));
      return { node, parts, stop };
    },
    async startNativeWorker(accounts, extra = {}) {
      const child = spawn(process.execPath, [BIN, 'worker', '--accounts', accounts.join(',')], {
        env: { PATH: process.env.PATH, HOME: '/tmp', ...env, LOG_LEVEL: 'info', ...extra },
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const until = Date.now() + 30_000;
      while (!output.includes('is serving')) {
        if (child.exitCode !== null) throw new Error(`worker exited early: ${output}`);
        if (Date.now() > until) throw new Error(`worker did not start: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      };
      closers.push(() => stop('SIGKILL'));
      return { process: child, output: () => output, stop };
    },
    async close() {
      for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
      const admin = await commandConnection();
      await deleteKeys(admin, prefix);
      admin.disconnect();
      await database.drop();
    },
  };
}

/** Replaces the demo account with the given ones (gateway A's services; others reload). */
export async function setAccounts(gateway: ClusterGateway, accounts: NewAccountInput[]): Promise<void> {
  for (const account of await gateway.runtime.accounts.list())
    await gateway.runtime.accounts.remove(account.id);
  for (const account of accounts) await gateway.runtime.accounts.add(account);
}

export const MODEL = 'claude-sonnet-4-6';

export function messagesBody(content: string, stream: boolean): string {
  return JSON.stringify({ model: MODEL, max_tokens: 200, stream, messages: [{ role: 'user', content }] });
}

export async function post(url: string, key: string, body: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body,
    ...(signal ? { signal } : {}),
  });
}

export interface SseEvent {
  id: number | undefined;
  event: string | undefined;
  data: string;
  raw: string;
}

export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((raw) => {
      let id: number | undefined;
      let event: string | undefined;
      const data: string[] = [];
      for (const line of raw.split('\n')) {
        if (line.startsWith('id: ')) id = Number(line.slice(4));
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      return { id, event, data: data.join('\n'), raw };
    });
}

/** The SSE text without `id:` lines and with per-request ids blanked: what two modes must agree on. */
export function comparableSse(text: string): string {
  return text
    .replace(/^id: \d+\n/gm, '')
    .replace(/"id":"msg_[^"]*"/g, '"id":"msg_X"')
    .replace(/req_[A-Za-z0-9]+/g, 'req_X');
}

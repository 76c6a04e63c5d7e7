/**
 * `switchyard gateway` and `switchyard worker` as native processes (node dist/main.js, built by
 * `npm run build`), on real PostgreSQL and Redis: start-up checks, a worker leaving gracefully
 * with a live stream, a worker killed outright.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { baseEnv, BIN, makeDataDir, runCli } from '../support/cli.js';
import { waitFor } from '../queue/redis-test-support.js';
import {
  messagesBody,
  parseSse,
  post,
  setAccounts,
  startTestCluster,
  type TestCluster,
} from './cluster-support.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cluster(): Promise<TestCluster> {
  const c = await startTestCluster();
  cleanups.push(() => c.close());
  return c;
}

/** `node dist/main.js gateway` on a free port; resolves once it serves. */
async function startNativeGateway(env: Record<string, string>) {
  const data = await makeDataDir();
  cleanups.push(() => data.remove());
  const child = spawn(process.execPath, [BIN, 'gateway'], {
    env: baseEnv(data.dir, { ...env, SWITCHYARD_DATA_DIR: data.dir, LOG_LEVEL: 'warn' }),
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  cleanups.push(() => stop('SIGKILL'));
  const url = await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`gateway exited early: ${output}`);
    try {
      return (JSON.parse(await readFile(path.join(data.dir, 'server.json'), 'utf8')) as { url: string }).url;
    } catch {
      return undefined;
    }
  }, 30_000);
  return { url, output: () => output, stop };
}

describe('switchyard gateway / worker processes', () => {
  it('refuse to start without PostgreSQL and Redis, in one line, exit code 2', async () => {
    const data = await makeDataDir();
    cleanups.push(() => data.remove());
    const gateway = await runCli(['gateway'], baseEnv(data.dir));
    expect(gateway.code).toBe(2);
    expect(gateway.stderr.trim().split('\n')).toHaveLength(1);
    expect(gateway.stderr).toMatch(/DATABASE_URL.*REDIS_URL/);
    const worker = await runCli(
      ['worker', '--accounts', 'a'],
      baseEnv(data.dir, { DATABASE_URL: 'postgres://u@127.0.0.1:1/x' }),
    );
    expect(worker.code).toBe(2);
    expect(worker.stderr.trim().split('\n')).toHaveLength(1);
    expect(worker.stderr).toContain('REDIS_URL');
    expect(worker.stderr).not.toContain('DATABASE_URL');
  });

  it('a native gateway and worker serve a stream; SIGTERM on the worker lets it finish', async () => {
    const c = await cluster();
    // An in-process gateway sets the accounts and a key up, and serves as a second gateway.
    const inProcess = await c.startGateway();
    await setAccounts(inProcess, [{ kind: 'mock', name: 'remote-mock', settings: { servedBy: 'worker' } }]);
    const { secret: key } = await inProcess.runtime.apiKeys.create({ name: 'k' });
    const gateway = await startNativeGateway(c.env);
    const metricsPort = await freePort();
    const worker = await c.startNativeWorker(['remote-mock'], {
      SHUTDOWN_GRACE_MS: '20000',
      WORKER_METRICS_PORT: String(metricsPort),
    });
    await waitFor(async () => {
      const r = await post(gateway.url, key, messagesBody('ready? [[mock words=1]]', false));
      await r.text();
      return r.status === 200 ? true : undefined;
    }, 10_000);
    // The worker serves its own metrics for Prometheus.
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/switchyard_worker_accounts\{account="remote-mock",worker="[^"]+"\} 1/);
    expect(metrics).toMatch(/switchyard_worker_jobs_in_flight\{worker="[^"]+"\} 0/);
    expect(metrics).toContain('switchyard_claude_cli_processes');
    expect((await fetch(`http://127.0.0.1:${metricsPort}/health`)).status).toBe(200);

    const response = await post(gateway.url, key, messagesBody('slow [[mock words=40 tps=20]]', true));
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('content_block_delta')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    const exited = worker.stop('SIGTERM');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    const events = parseSse(text);
    expect(events.filter((e) => e.event === 'content_block_delta')).toHaveLength(40);
    expect(events.at(-1)!.event).toBe('message_stop');
    expect(await exited).toBe(0);
    // It deregistered: its account left the pool at once, no lost-worker wait.
    await waitFor(() => (inProcess.runtime.pool.accounts().length === 0 ? true : undefined), 3_000);

    const rows = await waitFor(async () => {
      await inProcess.runtime.ledger.flush();
      const found = await inProcess.store.usage.list({ requestId: response.headers.get('request-id')! });
      return found.length > 0 ? found : undefined;
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.outputTokens).toBe(40);
    expect(await gateway.stop('SIGTERM')).toBe(0);
  }, 60_000);

  it('a worker killed outright is marked lost and its accounts leave the pool', async () => {
    const c = await cluster();
    const gateway = await c.startGateway();
    await setAccounts(gateway, [{ kind: 'mock', name: 'remote-mock', settings: { servedBy: 'worker' } }]);
    const { secret: key } = await gateway.runtime.apiKeys.create({ name: 'k' });
    const worker = await c.startNativeWorker(['remote-mock']);
    await waitFor(() => (gateway.runtime.pool.accounts().length === 1 ? true : undefined), 5_000);
    const ok = await post(gateway.url, key, messagesBody('hi [[mock words=2]]', false));
    expect(ok.status).toBe(200);
    await ok.text();

    await worker.stop('SIGKILL');
    const lost = await waitFor(async () => {
      const records = await gateway.parts.workers.list();
      return records.length === 1 && records[0]!.status === 'lost' ? records[0] : undefined;
    }, 5_000);
    expect(lost.accounts).toHaveLength(1);
    await waitFor(() => (gateway.runtime.pool.accounts().length === 0 ? true : undefined), 3_000);
    const refused = await post(gateway.url, key, messagesBody('anyone?', false));
    expect(refused.status).toBe(404);
    await refused.text();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A Redis master, one replica and three sentinels of the test's own, on spare ports in a temp
 * dir (never the shared server), for failover tests. Uses `redis-sentinel` when installed, else
 * `redis-server --sentinel` (the same binary in sentinel mode).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

export const MASTER_NAME = 'symaster';

export interface RedisNode {
  port: number;
  process: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface SentinelGroup {
  master: RedisNode;
  replica: RedisNode;
  sentinels: RedisNode[];
  /** REDIS_SENTINELS for these sentinels. */
  sentinelList: string;
  /** The master's port according to the sentinels (the quorum's view). */
  masterPort(): Promise<number | undefined>;
  /** Stops every process and removes the temp dir; safe to call twice. */
  stop(): Promise<void>;
}

/** Timings small enough for a test: down after 1 s, a failover given up after 10 s. */
const DOWN_AFTER_MS = 1_000;
const FAILOVER_TIMEOUT_MS = 10_000;

async function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function sentinelCommand(): Promise<{ binary: string; extra: string[] }> {
  try {
    await run('which', ['redis-sentinel']);
    return { binary: 'redis-sentinel', extra: [] };
  } catch {
    return { binary: 'redis-server', extra: ['--sentinel'] };
  }
}

function node(port: number, child: ChildProcess): RedisNode {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    port,
    process: child,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

async function answering(port: number, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const probe = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch {
      if (Date.now() > until) throw new Error(`nothing answers on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      probe.disconnect();
    }
  }
}

/** Waits until the replica has its master's data (initial sync done, link up). */
async function inSync(port: number): Promise<void> {
  const until = Date.now() + 30_000;
  while (
    !(await askSentinel(port, async (client) =>
      /master_link_status:up/.test(await client.info('replication')),
    ))
  ) {
    if (Date.now() > until) throw new Error('the replica did not sync with its master');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Asks one sentinel something; undefined when it does not answer. */
async function askSentinel<T>(port: number, work: (client: Redis) => Promise<T>): Promise<T | undefined> {
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return await work(client);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

export async function startSentinelGroup(): Promise<SentinelGroup> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sy-sentinel-'));
  const started: RedisNode[] = [];
  const stop = async () => {
    await Promise.all(started.map((each) => each.kill('SIGKILL')));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const serverArgs = (port: number, name: string) => [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--dbfilename',
      `${name}.rdb`,
      '--maxmemory-policy',
      'noeviction',
      // A replica syncs at once, not after the default 5 s wait for more replicas.
      '--repl-diskless-sync-delay',
      '0',
    ];
    const masterPort = await sparePort();
    const master = node(
      masterPort,
      spawn('redis-server', serverArgs(masterPort, 'master'), { stdio: 'ignore' }),
    );
    started.push(master);
    await answering(masterPort);
    const replicaPort = await sparePort();
    const replica = node(
      replicaPort,
      spawn(
        'redis-server',
        [...serverArgs(replicaPort, 'replica'), '--replicaof', '127.0.0.1', String(masterPort)],
        {
          stdio: 'ignore',
        },
      ),
    );
    started.push(replica);
    await answering(replicaPort);
    await inSync(replicaPort);

    const { binary, extra } = await sentinelCommand();
    const sentinels: RedisNode[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await sparePort();
      const file = path.join(dir, `sentinel-${i}.conf`);
      // Sentinel rewrites its config file (known replicas and sentinels, the current epoch).
      await writeFile(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
          `sentinel failover-timeout ${MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      const sentinel = node(port, spawn(binary, [file, ...extra], { stdio: 'ignore' }));
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    for (const sentinel of sentinels) await answering(sentinel.port);
    // A failover needs every sentinel to know the replica and the other sentinels (hello messages
    // every 2 s on the master's channel).
    const until = Date.now() + 30_000;
    for (;;) {
      const views = await Promise.all(
        sentinels.map((sentinel) =>
          askSentinel(sentinel.port, async (client) => {
            const replicas = (await client.call('SENTINEL', 'REPLICAS', MASTER_NAME)) as unknown[];
            const others = (await client.call('SENTINEL', 'SENTINELS', MASTER_NAME)) as unknown[];
            return replicas.length >= 1 && others.length >= 2;
          }),
        ),
      );
      if (views.every((ready) => ready === true)) break;
      if (Date.now() > until) throw new Error('the sentinels did not discover each other and the replica');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return {
      master,
      replica,
      sentinels,
      sentinelList: sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(','),
      async masterPort() {
        for (const sentinel of sentinels) {
          const address = await askSentinel(
            sentinel.port,
            (client) =>
              client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME) as Promise<string[] | null>,
          );
          if (address) return Number(address[1]);
        }
        return undefined;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

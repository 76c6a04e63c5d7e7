/**
 * Every Redis command of ONE queued request, in order: a private redis-server (so MONITOR and
 * INFO commandstats see only this cluster), one in-process gateway and worker, a mock account
 * served by the worker. Each line: ms since the client sent the request, which side issued it
 * (gateway / worker, from the connection's address; `lua` = inside a script), and whether it ran
 * before the client's first byte / before its last byte (the critical path). Then the commandstats
 * delta per request over `count` requests, idle traffic (heartbeats, polls) subtracted.
 * Run: npx tsx test/cluster/trace-queued.ts [count]
 */
import { Redis, type Command } from 'ioredis';
import { messagesBody, post, setAccounts, startTestCluster } from './cluster-support.js';
import { startOwnRedis, waitFor } from '../queue/redis-test-support.js';

const count = Number(process.argv[2] ?? 200);

/** Client-side times of every command (sent, replied), without MONITOR's own cost. */
const timeline: { label: string; sent: number; replied: number }[] = [];
let recording = false;
function labelOf(command: Command): string {
  const args = command.args.map((arg) => (Buffer.isBuffer(arg) ? arg.toString('latin1') : String(arg)));
  if (command.name !== 'evalsha')
    return `${command.name} ${(args[0] ?? '').replace(/^[^:]*:([^:]*).*$/, '$1')}`;
  const keys = Number(args[1]);
  const first = args[2] ?? '';
  if (first.includes(':q:')) {
    const bull: Record<number, string> = { 9: 'addJob', 11: 'moveToActive', 14: 'moveToFinished' };
    return `script bullmq-${bull[keys] ?? keys}`;
  }
  if (first.endsWith(':wait')) return 'script lease-acquire';
  if (first.includes(':res:')) return 'script result-append';
  if (first.includes(':acct:')) return 'script lease-release';
  return `script ${keys} keys`;
}
const send = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (this: Redis, command: Command, stream?: never) {
  if (recording) {
    const entry = { label: labelOf(command), sent: performance.now(), replied: NaN };
    timeline.push(entry);
    command.promise.then(
      () => (entry.replied = performance.now()),
      () => undefined,
    );
  }
  return send.call(this, command, stream);
};
const redisServer = await startOwnRedis();
const admin = new Redis(redisServer.url);

async function totalCalls(): Promise<number> {
  let total = 0;
  for (const match of (await admin.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    total += Number(match[2]);
  return total;
}

async function addresses(): Promise<Map<string, string>> {
  const list = (await admin.client('LIST')) as string;
  const map = new Map<string, string>();
  for (const line of list.split('\n')) {
    const addr = /addr=(\S+)/.exec(line)?.[1];
    const name = /name=(\S*)/.exec(line)?.[1];
    if (addr) map.set(addr, name ?? '');
  }
  return map;
}

const cluster = await startTestCluster({ REDIS_URL: redisServer.url, LOG_LEVEL: 'error' });
try {
  const gateway = await cluster.startGateway();
  const { secret: key } = await gateway.runtime.apiKeys.create({ name: 'k' });
  await setAccounts(gateway, [
    { kind: 'mock', name: 'queued', maxConcurrency: 100, settings: { servedBy: 'worker' } },
  ]);
  const gatewayAddrs = new Set((await addresses()).keys());
  await cluster.startWorker(['queued']);
  await waitFor(() => (gateway.runtime.pool.accounts().length === 1 ? true : undefined));
  for (const stream of [false, true]) {
    const body = messagesBody('trace [[mock words=5]]', stream);
    for (let i = 0; i < 20; i++) await (await post(gateway.url, key, body)).arrayBuffer();
    // Connections BullMQ opened lazily on the gateway side carry the gateway's prefix names too.
    const names = await addresses();
    const side = (source: string) => {
      if (source === 'lua') return 'lua';
      if (gatewayAddrs.has(source)) return 'gateway';
      return names.has(source) ? 'worker' : '?';
    };
    const monitor = await admin.duplicate().monitor();
    const lines: { at: number; source: string; args: string[] }[] = [];
    monitor.on('monitor', (time: string, args: string[], source: string) =>
      lines.push({ at: Number(time) * 1000, source, args }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    lines.length = 0;
    const sent = Date.now();
    const response = await post(gateway.url, key, body);
    const reader = response.body!.getReader();
    let firstByte = 0;
    for (;;) {
      const { done } = await reader.read();
      firstByte ||= Date.now();
      if (done) break;
    }
    const lastByte = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 300));
    monitor.disconnect();
    const mine = lines.filter((line) => line.at >= sent - 1);
    process.stdout.write(
      `\n${stream ? 'streaming' : 'non-streaming'}: first byte ${firstByte - sent} ms, last byte ${lastByte - sent} ms\n`,
    );
    let critical = 0;
    for (const line of mine) {
      const phase = line.at <= firstByte ? 'before-first' : line.at <= lastByte ? 'before-last' : 'after';
      if (phase !== 'after') critical += 1;
      const args = line.args.map((arg) => (arg.length > 60 ? `${arg.slice(0, 57)}...` : arg)).join(' ');
      process.stdout.write(
        `${(line.at - sent).toFixed(1).padStart(7)} ${side(line.source).padEnd(7)} ${phase.padEnd(12)} ${args}\n`,
      );
    }
    process.stdout.write(`commands: ${mine.length} (${critical} before the last byte)\n`);

    // Median client-side time (ms after the request was sent) of each command's send and reply.
    const runs: Map<string, { sent: number; replied: number }>[] = [];
    const ends: number[] = [];
    for (let i = 0; i < 100; i++) {
      timeline.length = 0;
      recording = true;
      const started = performance.now();
      const reply = await post(gateway.url, key, body);
      await reply.arrayBuffer();
      ends.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
      recording = false;
      const seen = new Map<string, { sent: number; replied: number }>();
      for (const entry of timeline) {
        let label = entry.label;
        for (let n = 2; seen.has(label); n++) label = `${entry.label} #${n}`;
        seen.set(label, { sent: entry.sent - started, replied: entry.replied - started });
      }
      runs.push(seen);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const labels = new Map<string, number>();
    for (const run of runs) for (const label of run.keys()) labels.set(label, (labels.get(label) ?? 0) + 1);
    const rows = [...labels]
      .filter(([, seenIn]) => seenIn >= runs.length / 2)
      .map(([label, seenIn]) => {
        const sent = median(runs.flatMap((run) => (run.has(label) ? [run.get(label)!.sent] : [])));
        const replied = median(runs.flatMap((run) => (run.has(label) ? [run.get(label)!.replied] : [])));
        return { label, sent, replied, seenIn };
      })
      .sort((a, b) => a.sent - b.sent);
    process.stdout.write(
      `timeline (median of 100, client-side; response complete at ${median(ends).toFixed(2)} ms):\n`,
    );
    for (const row of rows)
      process.stdout.write(
        `  ${row.sent.toFixed(2).padStart(6)} -> ${row.replied.toFixed(2).padStart(6)}  ${row.label} (${row.seenIn}/100)\n`,
      );

    const idleStart = await totalCalls();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idleEnd = await totalCalls();
    const idlePerMs = (idleEnd - idleStart - 1) / 1000;
    const from = Date.now();
    for (let i = 0; i < count; i++) await (await post(gateway.url, key, body)).arrayBuffer();
    const end = await totalCalls();
    const perRequest = (end - idleEnd - 1 - idlePerMs * (Date.now() - from)) / count;
    process.stdout.write(
      `commandstats over ${count} requests: ${perRequest.toFixed(1)} per request (idle ${(idlePerMs * 1000).toFixed(1)}/s subtracted)\n`,
    );
  }
} finally {
  await cluster.close();
  admin.disconnect();
  await redisServer.stop();
}

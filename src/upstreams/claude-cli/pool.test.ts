import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../observability/logger.js';
import { ProcessPool } from './pool.js';
import { PoolBusyError, type PoolLimits, type ProcessRequest } from './pool-types.js';

/** A stand-in for `claude` that answers the initialize request and exits when stdin ends. */
const FAKE = `
const rl = (await import('node:readline')).createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const m = JSON.parse(line);
  if (m.type === 'control_request')
    process.stdout.write(JSON.stringify({ type: 'control_response', response: { subtype: 'success', request_id: m.request_id } }) + '\\n');
});
rl.on('close', () => process.exit(0));
`;

const logger = createLogger({
  level: 'silent',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

describe('ProcessPool', () => {
  let dir: string;
  let fake: string;
  let pool: ProcessPool | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'switchyard-pool-'));
    fake = path.join(dir, 'fake-claude.mjs');
    await writeFile(fake, FAKE);
  });
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const owner = {};
  const make = (limits: Partial<PoolLimits>) =>
    (pool = new ProcessPool(
      { maxProcesses: 4, warmSpares: 0, processIdleMs: 60_000, spawnsPerSecond: 100, ...limits },
      logger,
    ));
  const request = (overrides: Partial<ProcessRequest> = {}): ProcessRequest => ({
    owner,
    accountName: 'a',
    configKey: 'k',
    history: '',
    start: async () => ({ binary: process.execPath, args: [fake], env: {}, cwd: dir }),
    waitMs: 10_000,
    signal: new AbortController().signal,
    ...overrides,
  });
  const until = async (check: () => boolean) => {
    const end = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('gives a conversation its own process back for the next turn', async () => {
    const p = make({});
    const first = await p.acquire(request());
    expect(first.origin).toBe('cold');
    first.expect('h1');
    first.release({ clean: true, abandoned: false });
    const second = await p.acquire(request({ history: 'h1' }));
    expect(second.origin).toBe('conversation');
    expect(second.process).toBe(first.process);
    second.release({ clean: false, abandoned: false });
    // An unclean turn stops the process: the same history now needs a new one (resumed).
    const third = await p.acquire(request({ history: 'h1' }));
    expect(third.origin).toBe('resume');
    third.release({ clean: false, abandoned: false });
  });

  it('waits for a conversation whose answer is out but whose turn is still ending', async () => {
    const p = make({});
    const first = await p.acquire(request());
    first.expect('h2');
    setTimeout(() => first.release({ clean: true, abandoned: false }), 150);
    const next = await p.acquire(request({ history: 'h2' }));
    expect(next.origin).toBe('conversation');
    expect(next.process).toBe(first.process);
    next.release({ clean: false, abandoned: false });
  });

  it('keeps a warm spare per configuration in use, and hands it to the next new conversation', async () => {
    const p = make({ warmSpares: 1 });
    const first = await p.acquire(request());
    first.release({ clean: false, abandoned: false });
    // One conversation with this configuration is no sign of more: no spare yet.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(p.stats().spawns.spare).toBe(0);
    const second = await p.acquire(request());
    expect(second.origin).toBe('cold');
    await until(() => p.stats().processes.spare === 1);
    const third = await p.acquire(request());
    expect(third.origin).toBe('spare');
    expect(third.process).not.toBe(second.process);
    await until(() => p.stats().spawns.spare === 2);
    expect(p.stats().reuses.spare).toBe(1);
    second.release({ clean: false, abandoned: false });
    third.release({ clean: false, abandoned: false });
  });

  it('starts a spare in the last free slot (a new process is not counted twice)', async () => {
    const p = make({ warmSpares: 1, maxProcesses: 3 });
    const a = await p.acquire(request());
    const b = await p.acquire(request());
    expect(b.origin).toBe('cold');
    await until(() => p.stats().processes.spare === 1);
    const c = await p.acquire(request());
    expect(c.origin).toBe('spare');
    for (const lease of [a, b, c]) lease.release({ clean: false, abandoned: false });
  });

  it('never runs more than maxProcesses: evicts an idle one, or waits, then gives up', async () => {
    const p = make({ maxProcesses: 2 });
    const a = await p.acquire(request({ configKey: 'a' }));
    const b = await p.acquire(request({ configKey: 'b' }));
    await expect(p.acquire(request({ configKey: 'c', waitMs: 200 }))).rejects.toBeInstanceOf(PoolBusyError);
    a.expect('ha');
    a.release({ clean: true, abandoned: false });
    const c = await p.acquire(request({ configKey: 'c' }));
    expect(p.stats().evictions.capacity).toBe(1);
    const live = p.stats().processes;
    expect(live.busy + live.idle + live.spare + live.starting).toBe(2);
    b.release({ clean: false, abandoned: false });
    c.release({ clean: false, abandoned: false });
  });

  it('stops processes left idle for processIdleMs', async () => {
    const p = make({ processIdleMs: 200 });
    const lease = await p.acquire(request());
    lease.expect('h');
    lease.release({ clean: true, abandoned: false });
    expect(p.stats().processes.idle).toBe(1);
    await until(() => p.stats().evictions.idle === 1);
    await until(() => p.stats().live.length === 0 && p.stats().processes.stopping === 0);
  });

  it('starts processes no faster than spawnsPerSecond', async () => {
    const p = make({ spawnsPerSecond: 1 });
    const first = await p.acquire(request({ configKey: 'x' }));
    await expect(p.acquire(request({ configKey: 'y', waitMs: 100 }))).rejects.toThrow(
      /CLAUDE_CLI_SPAWNS_PER_SECOND/,
    );
    const started = performance.now();
    const second = await p.acquire(request({ configKey: 'y' }));
    expect(performance.now() - started).toBeGreaterThan(300);
    first.release({ clean: false, abandoned: false });
    second.release({ clean: false, abandoned: false });
  });
});

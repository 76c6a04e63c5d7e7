// Child processes pinned to one CPU with taskset, and the bookkeeping that kills them all on exit.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

const children = new Set();
let hasTaskset;

function tasksetAvailable() {
  if (hasTaskset === undefined) {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      hasTaskset = true;
    } catch {
      hasTaskset = false;
      console.warn('!! taskset is not available: processes are NOT pinned; numbers will be noisy.');
    }
  }
  return hasTaskset;
}

/** Pins this process (all its threads, and threads it starts later) to one CPU. */
export function pinSelf(cpu) {
  if (!tasksetAvailable()) return;
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
}

/**
 * Starts `command args` on one CPU (taskset execs the command, so the pid is the program's own).
 * stdout and stderr go to `logFile` (never through this process, which shares a core with the load).
 */
export function spawnPinned(cpu, command, args, { env = process.env, logFile, cwd } = {}) {
  const fd = logFile ? openSync(logFile, 'a') : 'ignore';
  const [file, argv] = tasksetAvailable()
    ? ['taskset', ['-c', String(cpu), command, ...args]]
    : [command, args];
  const child = spawn(file, argv, { env, cwd, stdio: ['ignore', fd, fd] });
  if (typeof fd === 'number') closeSync(fd);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const proc = { pid: child.pid, child, exited, alive: true };
  exited.then(() => {
    proc.alive = false;
    children.delete(proc);
  });
  children.add(proc);
  return proc;
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopProcess(proc, graceMs = 10_000) {
  if (!proc?.alive) return;
  proc.child.kill('SIGTERM');
  const done = await Promise.race([proc.exited, sleep(graceMs, undefined, { ref: false })]);
  if (done === undefined && proc.alive) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
}

/** Stops every child still running (used on normal exit, errors and Ctrl-C). */
export async function stopAll() {
  await Promise.all([...children].map((proc) => stopProcess(proc, 5_000)));
}

/** Last resort from a synchronous `exit` handler. */
export function killAllNow() {
  for (const proc of children) {
    try {
      process.kill(proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Runs a command to completion (unpinned: setup only) and returns its stdout. */
export function runCommand(command, args, { env = process.env, cwd, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `url` until it answers 2xx, or fails after `timeoutMs` (or when `proc` exits). */
export async function waitForHttp(url, { timeoutMs = 60_000, proc } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc && !proc.alive) throw new Error(`process ${proc.pid} exited before ${url} answered`);
    try {
      const { statusCode, body } = await request(url, { headersTimeout: 2_000, bodyTimeout: 2_000 });
      await body.dump();
      if (statusCode >= 200 && statusCode < 300) return;
    } catch {
      // not up yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

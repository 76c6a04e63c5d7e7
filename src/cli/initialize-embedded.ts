/**
 * PGlite's first start (initdb) grows its WebAssembly memory to ~800 MB, and a process never gives
 * that back: a server that created its own data directory stayed at ~800 MB for good. So a new
 * embedded data directory is created and migrated by a short-lived child (`switchyard migrate`),
 * and the server opens an existing one (~250 MB).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import type { Logger } from '../observability/logger.js';

/** Whether a PGlite data directory still has to be created (initdb has not run in it). */
export function needsInitdb(database: Config['database']): boolean {
  if (database.kind !== 'pglite' || database.dir.startsWith('memory://')) return false;
  return !existsSync(join(resolve(database.dir), 'PG_VERSION'));
}

/**
 * Runs `switchyard migrate` in a child process (same entry point, Node flags and environment).
 * If the child fails, the caller opens the store itself as before: only the memory is lost.
 */
export async function initializeInChild(logger: Logger): Promise<boolean> {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  const started = performance.now();
  const code = await new Promise<number | null>((done) => {
    const child = spawn(process.execPath, [...childNodeArgs(process.execArgv), entry, 'migrate'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-2_000)));
    child.on('error', () => done(null));
    child.on('exit', (exitCode) => {
      if (exitCode !== 0)
        logger.warn({ exitCode, stderr: stderr.trim() }, 'initializing the database in a child failed');
      done(exitCode);
    });
  });
  if (code === 0)
    logger.info({ ms: Math.round(performance.now() - started) }, 'created the embedded database');
  return code === 0;
}

/**
 * The server's Node flags for the child, without those that must not run twice: a debugger would
 * wait on the same port (`--inspect-brk`: forever), a profiler would write over the server's file.
 */
export function childNodeArgs(execArgv: readonly string[]): string[] {
  const solo = /^--(inspect|debug|cpu-prof|heap-prof|prof)/;
  const args: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if (!solo.test(arg)) {
      args.push(arg);
      continue;
    }
    // `--cpu-prof-dir DIR` and the like carry their value in the next argument.
    if (!arg.includes('=') && /-(dir|name|interval|port)$/.test(arg)) i++;
  }
  return args;
}

/** Runs the built `switchyard` bin as a person would, with its own data dir and a clean environment. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const BIN = path.resolve('dist/main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function makeDataDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-cli-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function baseEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: dataDir, SWITCHYARD_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RunningServer {
  process: ChildProcess;
  url: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `switchyard start` on a free port and waits until it writes its server file. */
export async function startServer(
  dataDir: string,
  extra: Record<string, string> = {},
): Promise<RunningServer> {
  const child = spawn(process.execPath, [BIN, 'start'], { env: baseEnv(dataDir, { PORT: '0', ...extra }) });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const until = Date.now() + 30_000;
  let url: string | undefined;
  while (!url) {
    if (child.exitCode !== null) throw new Error(`server exited early: ${output}`);
    if (Date.now() > until) throw new Error(`server did not start: ${output}`);
    try {
      url = (JSON.parse(await readFile(path.join(dataDir, 'server.json'), 'utf8')) as { url: string }).url;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    process: child,
    url,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { controlLine, parseCliLine, userLine, type CliEvent } from './cli-events.js';

/**
 * One long-lived `claude` child speaking stream-json: it serves one turn at a time (a message
 * written before the previous `result` would be merged into that turn). Stops politely first
 * (interrupt, or end of stdin), then with SIGINT, then SIGKILL.
 */
export interface SpawnSpec {
  binary: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Files to remove once the first turn is over (the transcript it resumed). */
  readOnce?: string[];
  /** Files to remove once the process has exited (a system prompt file). */
  owned?: string[];
}

export interface TurnListener {
  onEvent(event: CliEvent): void;
  /** The process ended (or could not start) while the turn was open. */
  onExit(description: string): void;
}

export const STOP_GRACE_MS = 2_000;
const STDERR_KEEP = 4_096;

let nextId = 1;

export class CliProcess {
  readonly id = nextId++;
  readonly spawnedAt = performance.now();
  /** performance.now() when the initialize control request was answered. */
  readyAt: number | undefined;
  lastEventAt = performance.now();
  exitedWith: string | undefined;
  readonly exited: Promise<void>;
  private readonly child: ChildProcess;
  private listener: TurnListener | undefined;
  private stdoutRest = '';
  private stderrTail = '';
  private readonly decoder = new StringDecoder('utf8');
  private stopTimers: NodeJS.Timeout[] = [];
  private interrupts = 0;
  private readyListeners: (() => void)[] = [];
  private readonly readOnce: string[];
  private readonly owned: string[];

  constructor(spec: SpawnSpec, onExit: (process: CliProcess) => void) {
    this.readOnce = [...(spec.readOnce ?? [])];
    this.owned = [...(spec.owned ?? [])];
    this.child = spawn(spec.binary, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      let done = false;
      const finish = (description: string) => {
        if (done) return;
        done = true;
        this.exitedWith = description;
        for (const timer of this.stopTimers) clearTimeout(timer);
        for (const resolveReady of this.readyListeners.splice(0)) resolveReady();
        removeFiles(this.readOnce);
        removeFiles(this.owned);
        const listener = this.listener;
        this.listener = undefined;
        // The pool first (it tells an expected exit from a crash), then the turn in progress.
        onExit(this);
        listener?.onExit(this.stderrTail ? `${description}: ${lastLine(this.stderrTail)}` : description);
        resolve();
      };
      this.child.once('error', (error) => finish(`could not run ${spec.binary}: ${error.message}`));
      this.child.once('close', (code, signal) =>
        finish(signal ? `killed by ${signal}` : `exited with code ${code}`),
      );
    });
    this.child.stdin?.on('error', () => undefined);
    this.child.stdout?.on('data', (chunk: Buffer) => this.onStdout(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    // Answered once the CLI has started: tells a warm spare from one still starting.
    this.write(controlLine(`init-${this.id}`, 'initialize'));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitedWith === undefined;
  }

  /** Resolves once the process has started (or has exited). */
  whenReady(): Promise<void> {
    if (this.readyAt !== undefined || !this.alive) return Promise.resolve();
    return new Promise((resolve) => this.readyListeners.push(resolve));
  }

  /** Writes a user message; events go to the listener until the turn's `result`. */
  startTurn(content: unknown, listener: TurnListener): void {
    if (!this.alive) {
      listener.onExit(this.exitedWith ?? 'exited');
      return;
    }
    this.listener = listener;
    this.write(userLine(content));
  }

  /** The turn is over for the caller (its `result` arrived, or it was abandoned). */
  endTurn(): void {
    this.listener = undefined;
  }

  /** Asks the CLI to stop the current turn; it answers with a `result` and stays usable. */
  interrupt(): void {
    this.interrupts += 1;
    this.write(controlLine(`int-${this.id}-${this.interrupts}`, 'interrupt'));
  }

  /**
   * Ends the process: closes stdin (the CLI exits after any current turn), then SIGINT after the
   * grace period, then SIGKILL after another. Resolves when it has exited.
   */
  stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (!this.alive) return this.exited;
    if (this.stopTimers.length === 0) {
      this.child.stdin?.end();
      this.stopTimers.push(
        setTimeout(() => this.child.kill('SIGINT'), graceMs),
        setTimeout(() => this.child.kill('SIGKILL'), graceMs * 2),
      );
      for (const timer of this.stopTimers) timer.unref();
    }
    return this.exited;
  }

  /** Interrupts the current turn, then stops the process (SIGINT, SIGKILL if it lingers). */
  abandon(): Promise<void> {
    if (this.alive) this.interrupt();
    return this.stop();
  }

  private write(line: string): void {
    const stdin = this.child.stdin;
    if (stdin && !stdin.destroyed && !stdin.writableEnded) stdin.write(line);
  }

  private onStdout(chunk: Buffer): void {
    const text = this.stdoutRest + this.decoder.write(chunk);
    let start = 0;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      if (newline > start) this.onLine(text.slice(start, newline));
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    this.stdoutRest = text.slice(start);
  }

  private onLine(line: string): void {
    this.lastEventAt = performance.now();
    const event = parseCliLine(line);
    if (event === 'ignored') return;
    if (event.type === 'control_response' && event.response.request_id === `init-${this.id}`) {
      this.readyAt ??= performance.now();
      for (const resolve of this.readyListeners.splice(0)) resolve();
      return;
    }
    // The transcript to resume has been read once the first turn is over.
    if (event.type === 'result') removeFiles(this.readOnce);
    this.listener?.onEvent(event);
  }
}

function removeFiles(files: string[]): void {
  for (const file of files.splice(0)) void rm(file, { force: true }).catch(() => undefined);
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

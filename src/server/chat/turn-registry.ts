/**
 * Every answer this process is running or has just finished, for all sockets: an answer outlives
 * the socket that asked for it. When no socket follows a running answer now, it keeps running
 * for the grace period, waiting for a `resume`; then it is stopped (the upstream call cancelled) and
 * stored as it stands. A finished answer stays findable for the grace period too, so a client that
 * missed only its last events still gets them. Lookups name the user: another user's answer is
 * indistinguishable from none.
 */
import type { Logger } from '../../observability/logger.js';
import type { ChatTurn } from './chat-turn.js';
import type { SharedTurns } from './shared-turns.js';

interface Entry {
  turn: ChatTurn;
  running: Promise<void>;
  finished: boolean;
  followers: number;
  timer: NodeJS.Timeout | undefined;
}

export interface TurnRegistryOptions {
  /** How long a running answer nobody follows waits for a resume, and a finished one stays findable. */
  graceMs: number;
  logger: Logger;
  /** Distributed mode: a socket on another gateway may be following an answer (its lease). */
  shared?: SharedTurns | undefined;
}

export class TurnRegistry {
  private readonly entries = new Map<string, Entry>();
  private closing = false;

  constructor(private readonly options: TurnRegistryOptions) {}

  /**
   * Starts the answer; `onRefused` hears a failure before it started (then it is forgotten at
   * once). Until a socket follows it, it waits for one like an answer whose socket dropped.
   */
  start(turn: ChatTurn, onRefused: (error: unknown) => void): void {
    const entry: Entry = {
      turn,
      running: Promise.resolve(),
      finished: false,
      followers: 0,
      timer: undefined,
    };
    this.entries.set(turn.requestId, entry);
    this.awaitResume(entry);
    entry.running = turn.run().then(
      () => this.finish(entry),
      (error: unknown) => {
        this.forget(entry);
        onRefused(error);
      },
    );
  }

  /** The user's answer by request id, or by the send's ref. */
  find(
    userId: string,
    by: { requestId?: string | undefined; ref?: string | undefined },
  ): ChatTurn | undefined {
    if (by.requestId !== undefined) {
      const entry = this.entries.get(by.requestId);
      return entry && entry.turn.user.id === userId ? entry.turn : undefined;
    }
    for (const entry of this.entries.values()) {
      if (entry.turn.user.id === userId && by.ref !== undefined && entry.turn.ref === by.ref)
        return entry.turn;
    }
    return undefined;
  }

  /** Stops a running answer whose owner pressed stop on another gateway (checked there). */
  stopById(requestId: string): void {
    const entry = this.entries.get(requestId);
    if (entry && !entry.finished) entry.turn.stop('user');
  }

  /** Answers of the user still running, followed by a socket or not. */
  running(userId: string): ChatTurn[] {
    const found: ChatTurn[] = [];
    for (const entry of this.entries.values()) {
      if (!entry.finished && entry.turn.user.id === userId) found.push(entry.turn);
    }
    return found;
  }

  /** A socket shows the answer: it is no longer waiting for a resume. */
  follow(turn: ChatTurn): void {
    const entry = this.entries.get(turn.requestId);
    if (!entry) return;
    entry.followers++;
    if (!entry.finished) this.clearTimer(entry);
  }

  /** A socket stopped showing it: with nobody left, the grace period starts. */
  unfollow(turn: ChatTurn): void {
    const entry = this.entries.get(turn.requestId);
    if (!entry) return;
    entry.followers = Math.max(0, entry.followers - 1);
    if (entry.followers === 0) this.awaitResume(entry);
  }

  /** Nobody follows the answer: it runs on for the grace period, then stops. */
  private awaitResume(entry: Entry): void {
    if (entry.finished || entry.timer || this.closing) return;
    entry.timer = this.timer(async () => {
      entry.timer = undefined;
      if (await this.followedElsewhere(entry)) return this.awaitResume(entry);
      if (entry.finished || entry.followers > 0) return;
      this.options.logger.info(
        { requestId: entry.turn.requestId },
        'chat answer not resumed in time; stopping it',
      );
      entry.turn.stop('abandoned');
    });
  }

  private async followedElsewhere(entry: Entry): Promise<boolean> {
    const shared = this.options.shared;
    if (!shared) return false;
    try {
      return await shared.followedElsewhere(entry.turn.requestId);
    } catch {
      return false; // Redis away: nobody can be following through it either.
    }
  }

  /** Stops every running answer and waits until each is stored (server shutdown). */
  async close(): Promise<void> {
    this.closing = true;
    const pending: Promise<void>[] = [];
    for (const entry of this.entries.values()) {
      this.clearTimer(entry);
      if (!entry.finished) entry.turn.stop('shutdown');
      pending.push(entry.running);
    }
    await Promise.allSettled(pending);
    for (const entry of [...this.entries.values()]) this.forget(entry);
  }

  private finish(entry: Entry): void {
    entry.finished = true;
    this.clearTimer(entry);
    if (this.closing) return;
    entry.timer = this.timer(() => this.forget(entry));
  }

  private forget(entry: Entry): void {
    this.clearTimer(entry);
    if (this.entries.get(entry.turn.requestId) === entry) this.entries.delete(entry.turn.requestId);
    void entry.turn.events
      .flushed()
      .then(() => entry.turn.events.forget())
      .catch(() => undefined);
  }

  private timer(run: () => unknown): NodeJS.Timeout {
    const timer = setTimeout(() => void run(), this.options.graceMs);
    // Never what keeps a stopping process alive.
    timer.unref();
    return timer;
  }

  private clearTimer(entry: Entry): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
  }
}

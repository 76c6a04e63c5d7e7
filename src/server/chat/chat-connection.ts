/**
 * One chat socket: authenticate with the first message (tokens stay out of URLs, which end up in
 * logs and history), then run `send`s as ChatTurns, `stop`s and `resume`s against them. Each
 * `send` checks the token again, so logout, disabling and expiry apply to an open socket as they
 * do to HTTP calls; the client sends a fresh `auth` whenever it refreshes its token.
 *
 * The socket does not own its answers: they live in the TurnRegistry, and the socket follows each
 * one's event log. When the socket closes, its answers keep running for the grace period so that
 * the client, reconnected, can `resume` them (docs/web-chat-resume-uploads.md).
 */
import type { WebSocket } from 'ws';
import { AuthenticationError, PermissionError, SwitchyardError } from '../../errors.js';
import { roleGrants } from '../../identity/roles.js';
import { ResultStreamTruncatedError } from '../../queue/result-stream.js';
import type { SessionsService, SignedInUser } from '../../services/sessions.js';
import { ChatTurn, errorInfoOf, type ChatTurnDeps } from './chat-turn.js';
import {
  CLOSE,
  clientMessage,
  type ClientMessage,
  type ErrorInfo,
  type ResumeMessage,
  type SendMessage,
  type ServerEvent,
} from './protocol.js';
import type { SharedTurns } from './shared-turns.js';
import type { TurnRegistry } from './turn-registry.js';

export interface ChatConnectionDeps extends ChatTurnDeps {
  sessions: SessionsService;
  turns: TurnRegistry;
  /** How long a socket may stay open without a valid `auth`. */
  authTimeoutMs: number;
}

/** Answers one socket shows at once; more wait for the client to send them again. */
const MAX_TURNS = 4;
/** Answers one user runs at once, followed or waiting for a resume. */
const MAX_TURNS_PER_USER = 8;

const NOT_RESUMABLE: ErrorInfo = {
  type: 'not_found_error',
  message: 'This answer cannot be resumed here; it shows in the conversation once stored.',
};

export class ChatConnection {
  private token: string | undefined;
  private signedIn: SignedInUser | undefined;
  /** The answers this socket follows, by request id. */
  private readonly following = new Map<string, AbortController>();
  private readonly authTimer: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: ChatConnectionDeps,
    private readonly clientIp: string | undefined,
  ) {
    this.authTimer = setTimeout(() => {
      if (!this.signedIn) socket.close(CLOSE.unauthenticated, 'authenticate first');
    }, deps.authTimeoutMs);
    socket.on('message', (data, isBinary) => {
      // One message at a time, in order: an `auth` must take effect before the `send` after it.
      this.queue = this.queue.then(() => this.receive(isBinary ? undefined : data.toString()));
    });
    socket.on('close', () => {
      this.closed = true;
      clearTimeout(this.authTimer);
      // The answers go on without this socket, for a while (TurnRegistry.unfollow).
      for (const controller of this.following.values()) controller.abort();
    });
  }

  private emit(event: ServerEvent): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(event));
  }

  private async receive(text: string | undefined): Promise<void> {
    let message: ClientMessage;
    try {
      const parsed = clientMessage.safeParse(text === undefined ? undefined : JSON.parse(text));
      if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'invalid');
      message = parsed.data;
    } catch {
      if (!this.signedIn) return this.socket.close(CLOSE.unauthenticated, 'authenticate first');
      return this.socket.close(CLOSE.protocolError, 'not a chat protocol message');
    }
    if (message.type === 'auth') return this.authenticate(message.token);
    if (!this.signedIn) return this.socket.close(CLOSE.unauthenticated, 'authenticate first');
    if (message.type === 'ping') return this.emit({ type: 'pong' });
    const userId = this.signedIn.user.id;
    if (message.type === 'stop') return this.stop(userId, message.requestId);
    if (message.type === 'resume') return this.resume(userId, message);
    await this.start(message);
  }

  private async authenticate(token: string): Promise<void> {
    const signedIn = await this.deps.sessions.authenticate(token);
    if (!signedIn) return this.socket.close(CLOSE.unauthenticated, 'invalid or expired token');
    const { user } = signedIn;
    if (user.mustChangePassword || !roleGrants(user.role, 'chat:use')) {
      return this.socket.close(CLOSE.forbidden, 'this account may not chat');
    }
    if (this.signedIn && this.signedIn.user.id !== user.id) {
      return this.socket.close(CLOSE.forbidden, 'one socket serves one user');
    }
    const first = this.signedIn === undefined;
    this.token = token;
    this.signedIn = signedIn;
    clearTimeout(this.authTimer);
    if (first) this.emit({ type: 'ready', user: { id: user.id, username: user.username } });
  }

  /** Checks the session again, then starts the answer without waiting for it. */
  private async start(message: SendMessage): Promise<void> {
    const ref = message.ref ?? null;
    try {
      const current = await this.deps.sessions.authenticate(this.token ?? '');
      if (!current) throw new AuthenticationError('The access token is invalid or expired; send auth again.');
      if (current.user.mustChangePassword || !roleGrants(current.user.role, 'chat:use')) {
        throw new PermissionError('This account may not chat.');
      }
      const running = this.deps.turns.running(current.user.id);
      const here = running.filter((turn) => this.following.has(turn.requestId));
      if (here.length >= MAX_TURNS || running.length >= MAX_TURNS_PER_USER) {
        throw new SwitchyardError(
          'rate_limit_error',
          `At most ${MAX_TURNS} answers at once per connection and ${MAX_TURNS_PER_USER} per user.`,
        );
      }
      if (running.some((turn) => turn.conversationId === message.conversationId)) {
        throw new SwitchyardError('invalid_request_error', 'This conversation is already being answered.', {
          status: 409,
        });
      }
      const turn = new ChatTurn(this.deps, current.user, message, this.clientIp);
      this.deps.turns.start(turn, (error) => {
        this.following.get(turn.requestId)?.abort();
        this.emit({ type: 'rejected', ref, error: errorInfoOf(error, this.deps.logger, turn.requestId) });
      });
      // A socket that closed meanwhile leaves the answer to a `resume {ref}` after the reconnect.
      if (!this.closed) this.follow(turn.requestId, (signal) => turn.events.follow(-1, signal), { turn });
    } catch (error) {
      this.emit({ type: 'rejected', ref, error: errorInfoOf(error, this.deps.logger, 'chat') });
    }
  }

  /** The user's answer here, or (distributed mode) on the gateway running it. */
  private async stop(userId: string, requestId: string): Promise<void> {
    const turn = this.deps.turns.find(userId, { requestId });
    if (turn) return turn.stop('user');
    try {
      await this.deps.shared?.stop(userId, requestId);
    } catch (error) {
      this.deps.logger.warn({ err: error, requestId }, 'could not forward a chat stop');
    }
  }

  private async resume(userId: string, message: ResumeMessage): Promise<void> {
    const turn = this.deps.turns.find(userId, { requestId: message.requestId, ref: message.ref });
    const requestId = turn?.requestId ?? message.requestId;
    const failed = () =>
      this.emit({
        type: 'resume_failed',
        requestId: requestId ?? null,
        ref: message.ref ?? null,
        error: NOT_RESUMABLE,
      });
    // Already shown here (a resume sent twice): the events keep coming once each.
    if (requestId !== undefined && this.following.has(requestId)) return;
    if (turn)
      return this.follow(turn.requestId, (signal) => turn.events.follow(message.afterSeq, signal), {
        onMissing: failed,
        turn,
      });
    // Not running here: in distributed mode, another gateway's (or one this gateway forgot).
    const shared = this.deps.shared;
    if (!shared || requestId === undefined || !(await this.ownedElsewhere(shared, userId, requestId))) {
      return failed();
    }
    if (this.following.has(requestId) || this.closed) return;
    this.follow(requestId, (signal) => shared.follow(userId, requestId, message.afterSeq, signal), {
      onMissing: failed,
    });
  }

  private async ownedElsewhere(shared: SharedTurns, userId: string, requestId: string): Promise<boolean> {
    try {
      return await shared.owns(userId, requestId);
    } catch (error) {
      this.deps.logger.warn({ err: error, requestId }, 'could not look up a chat answer');
      return false;
    }
  }

  /** Sends the answer's events after the position `events` starts from, live until its last one. */
  private follow(
    requestId: string,
    events: (signal: AbortSignal) => AsyncIterable<string>,
    options: { onMissing?: () => void; turn?: ChatTurn } = {},
  ): void {
    const controller = new AbortController();
    const { turn, onMissing } = options;
    this.following.set(requestId, controller);
    if (turn) this.deps.turns.follow(turn);
    void (async () => {
      try {
        for await (const event of events(controller.signal)) {
          if (this.socket.readyState !== this.socket.OPEN) break;
          this.socket.send(event);
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        if (!(error instanceof ResultStreamTruncatedError)) {
          this.deps.logger.warn({ err: error, requestId }, 'could not follow a chat answer');
        }
        onMissing?.();
      } finally {
        this.following.delete(requestId);
        if (turn) this.deps.turns.unfollow(turn);
      }
    })();
  }
}

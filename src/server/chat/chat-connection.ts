/**
 * One chat socket: authenticate with the first message (tokens stay out of URLs, which end up in
 * logs and history), then run `send`s as ChatTurns and `stop`s against them. Each `send` checks the
 * token again, so logout, disabling and expiry apply to an open socket as they do to HTTP calls;
 * the client sends a fresh `auth` whenever it refreshes its token.
 */
import type { WebSocket } from 'ws';
import { AuthenticationError, PermissionError, SwitchyardError } from '../../errors.js';
import { roleGrants } from '../../identity/roles.js';
import type { SessionsService, SignedInUser } from '../../services/sessions.js';
import { ChatTurn, errorInfoOf, type ChatTurnDeps } from './chat-turn.js';
import { CLOSE, clientMessage, type ClientMessage, type SendMessage, type ServerEvent } from './protocol.js';

export interface ChatConnectionDeps extends ChatTurnDeps {
  sessions: SessionsService;
  /** How long a socket may stay open without a valid `auth`. */
  authTimeoutMs: number;
}

/** Answers one socket runs at once; more wait for the client to send them again. */
const MAX_TURNS = 4;

export class ChatConnection {
  private token: string | undefined;
  private signedIn: SignedInUser | undefined;
  private readonly turns = new Map<string, ChatTurn>();
  private readonly authTimer: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();

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
      clearTimeout(this.authTimer);
      // Slice 1 has no resume: an answer nobody can receive is stopped and stored as it stands.
      for (const turn of this.turns.values()) turn.sink.stop();
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
    if (message.type === 'stop') return this.turns.get(message.requestId)?.sink.stop();
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
      if (this.turns.size >= MAX_TURNS) {
        throw new SwitchyardError('rate_limit_error', `At most ${MAX_TURNS} answers at once per connection.`);
      }
      if ([...this.turns.values()].some((t) => t.conversationId === message.conversationId)) {
        throw new SwitchyardError('invalid_request_error', 'This conversation is already being answered.', {
          status: 409,
        });
      }
      const turn = new ChatTurn(this.deps, current.user, message, this.clientIp, (event) => this.emit(event));
      this.turns.set(turn.requestId, turn);
      turn
        .run()
        .catch((error: unknown) => {
          this.emit({ type: 'rejected', ref, error: errorInfoOf(error, this.deps.logger, turn.requestId) });
        })
        .finally(() => this.turns.delete(turn.requestId));
    } catch (error) {
      this.emit({ type: 'rejected', ref, error: errorInfoOf(error, this.deps.logger, 'chat') });
    }
  }
}

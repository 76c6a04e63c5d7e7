/**
 * The chat socket's client (protocol: docs/web-app.md, docs/web-chat-resume-uploads.md). Opens
 * /api/ws, authenticates with the first message, reconnects with backoff, and sends `auth` again
 * before each `send` so a refreshed token reaches the server.
 *
 * Resume: it remembers the last sequence number of every answer under way (and the ref of every
 * send not yet `started`). After a reconnect it asks for the rest of each with `resume`; events
 * it has already passed on are dropped by sequence number, so the page sees each one once.
 */
export interface ErrorInfo {
  type: string;
  message: string;
}

export interface AttachmentRef {
  id: string;
  name: string;
  mediaType: string;
  size: number;
}

export type AnswerEvent =
  | {
      type: 'started';
      requestId: string;
      seq: number;
      ref: string | null;
      conversationId: string;
      userMessageId: string;
      model: string;
    }
  | { type: 'delta'; requestId: string; seq: number; text: string }
  | {
      type: 'done';
      requestId: string;
      seq: number;
      messageId: string | null;
      state: 'complete' | 'stopped' | 'error';
      stopReason: string | null;
      usage: { inputTokens: number; outputTokens: number };
    }
  | { type: 'error'; requestId: string; seq: number; messageId: string | null; error: ErrorInfo };

export type ServerEvent =
  | AnswerEvent
  | { type: 'ready'; user: { id: string; username: string } }
  | { type: 'pong' }
  | { type: 'rejected'; ref: string | null; error: ErrorInfo }
  | { type: 'resume_failed'; requestId: string | null; ref: string | null; error: ErrorInfo };

export type SocketStatus = 'connecting' | 'open' | 'closed';

export interface ChatSocketOptions {
  url: string;
  token: () => Promise<string>;
  onEvent: (event: ServerEvent) => void;
  onStatus: (status: SocketStatus) => void;
  /** The server refused the session (close 4401/4403): sign in again instead of reconnecting. */
  onUnauthorized: () => void;
  /** Makes the socket (tests pass a fake). */
  create?: (url: string) => WebSocket;
}

const MAX_BACKOFF_MS = 10_000;
/** WebSocket.OPEN, without needing the global (tests hand in a fake socket). */
const OPEN = 1;
const FIRST_BACKOFF_MS = 500;

export function socketUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws`;
}

export class ChatSocket {
  private socket: WebSocket | undefined;
  private ready: Promise<void> | undefined;
  private backoff = FIRST_BACKOFF_MS;
  private closed = false;
  /** Answers under way: the last sequence number passed on. */
  private readonly answers = new Map<string, number>();
  /** Sends whose `started` has not arrived yet, by ref. */
  private readonly unstarted = new Set<string>();
  /** Stops asked for while disconnected, sent after the resume. */
  private readonly stops = new Set<string>();

  constructor(private readonly options: ChatSocketOptions) {}

  private connect(): Promise<void> {
    this.ready ??= new Promise<void>((resolve, reject) => {
      this.options.onStatus('connecting');
      const socket = this.options.create?.(this.options.url) ?? new WebSocket(this.options.url);
      this.socket = socket;
      let opened = false;
      socket.onopen = () => {
        this.options.token().then(
          (token) => socket.send(JSON.stringify({ type: 'auth', token })),
          (error: unknown) => {
            socket.close();
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      };
      socket.onmessage = (message) => {
        const event = JSON.parse(String(message.data)) as ServerEvent;
        if (event.type === 'ready') {
          opened = true;
          this.backoff = FIRST_BACKOFF_MS;
          this.resumeAll(socket);
          this.options.onStatus('open');
          resolve();
        }
        if (this.accept(event)) this.options.onEvent(event);
      };
      socket.onclose = (close) => {
        if (this.socket === socket) {
          this.socket = undefined;
          this.ready = undefined;
        }
        this.options.onStatus('closed');
        if (!opened) reject(new Error(`chat socket closed (${close.code})`));
        if (close.code === 4401 || close.code === 4403) return this.options.onUnauthorized();
        if (this.closed) return;
        setTimeout(() => void this.connect().catch(() => undefined), this.backoff);
        this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
      };
    });
    return this.ready;
  }

  /** Keeps the bookkeeping; false for an event already passed on (a replay overlapping). */
  private accept(event: ServerEvent): boolean {
    if (event.type === 'rejected') {
      if (event.ref !== null) this.unstarted.delete(event.ref);
      return true;
    }
    if (event.type === 'resume_failed') {
      if (event.requestId !== null) this.answers.delete(event.requestId);
      if (event.ref !== null) this.unstarted.delete(event.ref);
      return true;
    }
    if (!('seq' in event)) return true;
    if (event.type === 'started' && event.ref !== null) this.unstarted.delete(event.ref);
    const last = this.answers.get(event.requestId);
    if (last !== undefined && event.seq <= last) return false;
    if (event.type === 'done' || event.type === 'error') this.answers.delete(event.requestId);
    else this.answers.set(event.requestId, event.seq);
    return true;
  }

  /** After a (re)connect: the rest of every answer under way, then the stops asked for meanwhile. */
  private resumeAll(socket: WebSocket): void {
    for (const [requestId, afterSeq] of this.answers) {
      socket.send(JSON.stringify({ type: 'resume', requestId, afterSeq }));
    }
    for (const ref of this.unstarted) socket.send(JSON.stringify({ type: 'resume', ref, afterSeq: -1 }));
    for (const requestId of this.stops) socket.send(JSON.stringify({ type: 'stop', requestId }));
    this.stops.clear();
  }

  private get isOpen(): boolean {
    return this.socket !== undefined && this.socket.readyState === OPEN;
  }

  /** Sends a question; the answer arrives as events (`started` echoes `ref`). */
  async send(message: {
    ref: string;
    conversationId: string;
    model: string;
    content: string;
    attachments?: string[];
  }): Promise<void> {
    await this.connect();
    const token = await this.options.token();
    this.unstarted.add(message.ref);
    this.socket?.send(JSON.stringify({ type: 'auth', token }));
    this.socket?.send(JSON.stringify({ type: 'send', ...message }));
  }

  stop(requestId: string): void {
    if (this.isOpen) this.socket?.send(JSON.stringify({ type: 'stop', requestId }));
    else this.stops.add(requestId);
  }

  start(): void {
    void this.connect().catch(() => undefined);
  }

  close(): void {
    this.closed = true;
    this.socket?.close(1000);
  }
}

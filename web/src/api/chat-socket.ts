/**
 * The chat socket's client (protocol: docs/web-app.md). Opens /api/ws, authenticates with the
 * first message, reconnects with backoff, and sends `auth` again before each `send` so a
 * refreshed token reaches the server.
 */
export interface ErrorInfo {
  type: string;
  message: string;
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
  | { type: 'rejected'; ref: string | null; error: ErrorInfo };

export type SocketStatus = 'connecting' | 'open' | 'closed';

export interface ChatSocketOptions {
  url: string;
  token: () => Promise<string>;
  onEvent: (event: ServerEvent) => void;
  onStatus: (status: SocketStatus) => void;
  /** The server refused the session (close 4401/4403): sign in again instead of reconnecting. */
  onUnauthorized: () => void;
}

const MAX_BACKOFF_MS = 10_000;

export function socketUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/ws`;
}

export class ChatSocket {
  private socket: WebSocket | undefined;
  private ready: Promise<void> | undefined;
  private backoff = 500;
  private closed = false;

  constructor(private readonly options: ChatSocketOptions) {}

  private connect(): Promise<void> {
    this.ready ??= new Promise<void>((resolve, reject) => {
      this.options.onStatus('connecting');
      const socket = new WebSocket(this.options.url);
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
          this.backoff = 500;
          this.options.onStatus('open');
          resolve();
        }
        this.options.onEvent(event);
      };
      socket.onclose = (close) => {
        this.socket = undefined;
        this.ready = undefined;
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

  /** Sends a question; the answer arrives as events (`started` echoes `ref`). */
  async send(message: {
    ref: string;
    conversationId: string;
    model: string;
    content: string;
  }): Promise<void> {
    await this.connect();
    const token = await this.options.token();
    this.socket?.send(JSON.stringify({ type: 'auth', token }));
    this.socket?.send(JSON.stringify({ type: 'send', ...message }));
  }

  stop(requestId: string): void {
    this.socket?.send(JSON.stringify({ type: 'stop', requestId }));
  }

  start(): void {
    void this.connect().catch(() => undefined);
  }

  close(): void {
    this.closed = true;
    this.socket?.close(1000);
  }
}

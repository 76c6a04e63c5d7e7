/** A chat socket client for tests: collects events, waits for the ones a test expects. */
import { expect } from 'vitest';
import WebSocket from 'ws';
import type { ServerEvent } from '../../src/server/chat/protocol.js';

export interface TestSocket {
  events: ServerEvent[];
  send(message: unknown): void;
  next<T extends ServerEvent['type']>(
    type: T,
    where?: (event: Extract<ServerEvent, { type: T }>) => boolean,
  ): Promise<Extract<ServerEvent, { type: T }>>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
  /** Drops the connection without a closing handshake, as a lost network does. */
  terminate(): void;
}

export function openChatSocket(baseUrl: string, headers: Record<string, string> = { origin: baseUrl }) {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/ws`, { headers });
  const events: ServerEvent[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    events.push(JSON.parse(data.toString()) as ServerEvent);
    for (const waiter of waiters.splice(0)) waiter();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const opened = new Promise<TestSocket>((resolve, reject) => {
    socket.on('unexpected-response', (_request, response) =>
      reject(new Error(`handshake refused: ${response.statusCode}`)),
    );
    socket.on('error', reject);
    socket.on('open', () =>
      resolve({
        events,
        send: (message) => socket.send(JSON.stringify(message)),
        closed,
        close: () => socket.close(),
        terminate: () => socket.terminate(),
        next(type, where) {
          let seen = 0;
          return new Promise((resolveEvent, rejectEvent) => {
            const timer = setTimeout(() => rejectEvent(new Error(`no ${type} event in time`)), 20_000);
            const check = () => {
              for (; seen < events.length; seen++) {
                const event = events[seen] as ServerEvent;
                if (event.type === type && (!where || where(event as never))) {
                  clearTimeout(timer);
                  return resolveEvent(event as never);
                }
              }
              waiters.push(check);
            };
            check();
          });
        },
      }),
    );
  });
  return opened;
}

/** A message as the conversations API lists it (the fields the socket tests read). */
export interface StoredMessageView {
  role: string;
  text: string;
  state: string | null;
  requestId: string | null;
  error: { type: string } | null;
}

interface ChatTestContext {
  url: string;
  inject(options: { method: 'GET' | 'POST'; url: string; headers: Record<string, string> }): Promise<{
    statusCode: number;
    body: string;
  }>;
}

/**
 * The steps every chat socket suite takes: make a conversation, open a signed-in socket, read what
 * was stored. `context` is read at call time (suites start their gateway in beforeAll).
 */
export function chatSteps(context: () => ChatTestContext) {
  const headersOf = (session: { accessToken: string }) => ({
    authorization: `Bearer ${session.accessToken}`,
  });
  return {
    async conversationOf(session: { accessToken: string }): Promise<string> {
      const created = await context().inject({
        method: 'POST',
        url: '/api/conversations',
        headers: headersOf(session),
      });
      expect(created.statusCode, created.body).toBe(201);
      return (JSON.parse(created.body) as { id: string }).id;
    },
    async signedInSocket(session: { accessToken: string }): Promise<TestSocket> {
      const socket = await openChatSocket(context().url);
      socket.send({ type: 'auth', token: session.accessToken });
      await socket.next('ready');
      return socket;
    },
    async storedMessages(
      session: { accessToken: string },
      conversationId: string,
    ): Promise<StoredMessageView[]> {
      const response = await context().inject({
        method: 'GET',
        url: `/api/conversations/${conversationId}/messages`,
        headers: headersOf(session),
      });
      expect(response.statusCode, response.body).toBe(200);
      return (JSON.parse(response.body) as { data: StoredMessageView[] }).data;
    },
  };
}

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatSocket, type ServerEvent, type SocketStatus } from './chat-socket';

/** Enough of a WebSocket for the client: records what it sends, lets the test play the server. */
class FakeSocket {
  static made: FakeSocket[] = [];
  readyState = 0;
  sent: Array<Record<string, unknown>> = [];
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  onclose: ((close: { code: number }) => void) | null = null;
  constructor() {
    FakeSocket.made.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close() {
    this.drop(1000);
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(event: ServerEvent) {
    this.onmessage?.({ data: JSON.stringify(event) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const delta = (seq: number, text: string): ServerEvent => ({ type: 'delta', requestId: 'req_1', seq, text });

let events: ServerEvent[];
let statuses: SocketStatus[];
let client: ChatSocket;

beforeEach(() => {
  FakeSocket.made = [];
  events = [];
  statuses = [];
  client = new ChatSocket({
    url: 'ws://test/api/ws',
    token: async () => 'token',
    onEvent: (event) => events.push(event),
    onStatus: (status) => statuses.push(status),
    onUnauthorized: () => undefined,
    create: () => new FakeSocket() as unknown as WebSocket,
  });
});
afterEach(() => {
  client.close();
  vi.useRealTimers();
});

async function connected(): Promise<FakeSocket> {
  const socket = FakeSocket.made[FakeSocket.made.length - 1] as FakeSocket;
  socket.open();
  await flush();
  socket.receive({ type: 'ready', user: { id: 'u', username: 'u' } });
  return socket;
}

describe('ChatSocket resume', () => {
  it('after a drop, reconnects, resumes each answer after its last event, and passes each event on once', async () => {
    client.start();
    const first = await connected();
    const sent = client.send({ ref: 'r1', conversationId: 'c', model: 'm', content: 'hi' });
    await sent;
    expect(first.sent.map((m) => m['type'])).toEqual(['auth', 'auth', 'send']);
    first.receive({
      type: 'started',
      requestId: 'req_1',
      seq: 0,
      ref: 'r1',
      conversationId: 'c',
      userMessageId: 'q',
      model: 'm',
    });
    first.receive(delta(1, 'one'));
    first.receive(delta(2, ' two'));

    vi.useFakeTimers();
    first.drop();
    expect(statuses[statuses.length - 1]).toBe('closed');
    client.stop('req_1');
    expect(first.sent.filter((m) => m['type'] === 'stop')).toEqual([]);
    await vi.advanceTimersByTimeAsync(600);
    vi.useRealTimers();
    expect(FakeSocket.made).toHaveLength(2);
    const second = await connected();
    expect(second.sent.slice(1)).toEqual([
      { type: 'resume', requestId: 'req_1', afterSeq: 2 },
      { type: 'stop', requestId: 'req_1' },
    ]);
    // The server replays from seq 3; an overlap (seq 2) is dropped here.
    second.receive(delta(2, ' two'));
    second.receive(delta(3, ' three'));
    second.receive({
      type: 'done',
      requestId: 'req_1',
      seq: 4,
      messageId: 'a',
      state: 'stopped',
      stopReason: null,
      usage: { inputTokens: 1, outputTokens: 3 },
    });
    const texts = events.flatMap((e) => (e.type === 'delta' ? [e.text] : []));
    expect(texts).toEqual(['one', ' two', ' three']);
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);

    // Finished: a later reconnect resumes nothing.
    vi.useFakeTimers();
    second.drop();
    await vi.advanceTimersByTimeAsync(600);
    vi.useRealTimers();
    const third = await connected();
    expect(third.sent.map((m) => m['type'])).toEqual(['auth']);
  });

  it('resumes a send whose start it never saw by its ref, from the beginning', async () => {
    client.start();
    const first = await connected();
    await client.send({ ref: 'r9', conversationId: 'c', model: 'm', content: 'hi', attachments: ['f1'] });
    expect(first.sent[first.sent.length - 1]).toMatchObject({ type: 'send', ref: 'r9', attachments: ['f1'] });
    vi.useFakeTimers();
    first.drop();
    await vi.advanceTimersByTimeAsync(600);
    vi.useRealTimers();
    const second = await connected();
    expect(second.sent.slice(1)).toEqual([{ type: 'resume', ref: 'r9', afterSeq: -1 }]);
    second.receive({
      type: 'resume_failed',
      requestId: null,
      ref: 'r9',
      error: { type: 'not_found_error', message: 'x' },
    });
    expect(events[events.length - 1]?.type).toBe('resume_failed');
  });
});

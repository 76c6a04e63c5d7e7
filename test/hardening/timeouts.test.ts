/**
 * Slow clients against the real server (raw sockets, both the Fastify routes and the raw
 * Messages front): dribbled headers and bodies are cut; a long streaming answer is not.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const HEADERS_TIMEOUT_MS = 600;
const REQUEST_TIMEOUT_MS = 1_200;

let gateway: TestGateway;
let port: number;

beforeAll(async () => {
  gateway = await startTestGateway({
    env: {
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '500',
      SHUTDOWN_GRACE_MS: '200',
    },
  });
  port = Number(new URL(gateway.url).port);
});
afterAll(async () => gateway?.close());

interface Dribble {
  /** What the server sent before closing. */
  received: string;
  /** Milliseconds from connecting to the server closing the connection. */
  closedAfterMs: number;
  /** Whether we were still sending when it closed. */
  stillSending: boolean;
}

/** Sends `head` at once, then one byte of `drip` every `everyMs` until the server closes. */
function dribble(head: string, drip: string, everyMs: number, giveUpMs = 8_000): Promise<Dribble> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${giveUpMs} ms`));
    }, giveUpMs);
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', () => {}); // a reset is a close too
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ received, closedAfterMs: Date.now() - started, stillSending: sent < drip.length });
    });
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent < drip.length && !socket.destroyed) socket.write(drip[sent++]!);
      }, everyMs);
    });
  });
}

const LONG_HEADER = `x-slow: ${'a'.repeat(200)}\r\n\r\n`;

describe('slow clients', () => {
  it('closes a connection that dribbles its headers (slow-loris), on Fastify routes', async () => {
    const result = await dribble('GET /health HTTP/1.1\r\nhost: x\r\n', LONG_HEADER, 100);
    expect(result.stillSending).toBe(true);
    expect(result.received).toMatch(/^HTTP\/1\.1 408/);
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(result.closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS * 4);
  });

  it('closes a connection that dribbles its headers on the raw Messages route', async () => {
    const result = await dribble('POST /v1/messages HTTP/1.1\r\nhost: x\r\n', LONG_HEADER, 100);
    expect(result.stillSending).toBe(true);
    expect(result.closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS * 4);
  });

  it('closes a connection that dribbles a Messages body', async () => {
    const body = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [] }).padEnd(400);
    const head =
      `POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-api-key: ${gateway.key}\r\n` +
      `content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
    const result = await dribble(head, body, 100);
    expect(result.stillSending).toBe(true);
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(result.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS * 3);
  });

  it('closes a connection that dribbles an /api body', async () => {
    const body = JSON.stringify({ username: 'someone', password: 'x'.repeat(200) });
    const head =
      'POST /api/auth/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n' +
      `content-length: ${body.length}\r\n\r\n`;
    const result = await dribble(head, body, 100);
    expect(result.stillSending).toBe(true);
    expect(result.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS * 3);
  });

  it('lets an answer stream for longer than the request timeout once the request has arrived', async () => {
    const started = Date.now();
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gateway.key, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'claude-sonnet-4-6',
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: '[[mock words=24 tps=10]] hello' }],
      }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(Date.now() - started).toBeGreaterThan(REQUEST_TIMEOUT_MS * 1.5);
    expect(text).toContain('event: message_stop');
  });
});

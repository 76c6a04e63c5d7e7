/**
 * Resume and uploads in a real browser (Chromium via playwright-core) against a real gateway and
 * its mock account: the chat socket is cut mid-answer (its TCP connection destroyed on the server,
 * as a network failure would), the page reconnects by itself and the answer completes exactly once,
 * with no paragraph lost or repeated; then an image is attached, sent and shown in the question.
 * Screenshots go to test-artifacts/e2e/ (chat-reconnecting, chat-resumed, chat-attachment-pending,
 * chat-upload).
 */
import type { Socket } from 'node:net';
import { crc32, deflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, bearer } from '../auth/support.js';
import type { TestGateway } from '../support/gateway.js';
import { signIn, startE2eSuite, type E2eSuite } from './browser.js';

/** A PNG of a colour gradient, big enough to see in the screenshot. */
function gradientPng(size: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Array.from({ length: size }, (_, y) =>
    Buffer.from([0, ...Array.from({ length: size }, (_, x) => [x * 2, y * 2, 200]).flat()]),
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const PNG = gradientPng(96);
const PARAGRAPHS = Array.from(
  { length: 6 },
  (_, i) =>
    `Paragraph ${i + 1} is here: ${['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'][i]} words follow in order.`,
);

let suite: E2eSuite;
let gateway: TestGateway;
let page: Page;
/** The server ends of the chat sockets, to cut them. */
const chatSockets = new Set<Socket>();
let upgrades = 0;

const shot = (name: string) => suite.shot(name);
const lastAnswer = () => page.getByTestId('message-assistant').last();
const lastQuestion = () => page.getByTestId('message-user').last();

beforeAll(async () => {
  suite = await startE2eSuite({ name: 'chat-resume', viewport: { width: 1280, height: 900 } });
  ({ gateway, page } = suite);
  gateway.runtime.app.server.on('upgrade', (request: { url?: string }, socket: Socket) => {
    if (!request.url?.startsWith('/api/ws')) return;
    upgrades++;
    chatSockets.add(socket);
    socket.once('close', () => chatSockets.delete(socket));
  });
});

afterAll(async () => {
  await suite?.close();
});

describe('the web chat resumes and takes files, in Chromium', () => {
  it('finishes an answer exactly once after its socket is cut mid-answer', async () => {
    const member = await api(gateway).userWithRole('member');
    await page.goto(gateway.url);
    await signIn(page, member.username);
    await page.getByTestId('new-chat').waitFor();
    await expect.poll(() => page.getByTestId('model-picker').inputValue()).not.toBe('');
    // One live chat socket (the page may have opened and closed one while signing in).
    await expect.poll(() => chatSockets.size).toBe(1);
    const before = upgrades;
    const question = `${PARAGRAPHS.join('\n\n')} [[mock echo tps=15]]`;
    await page.getByTestId('composer-input').fill(question);
    await page.getByTestId('composer-input').press('Enter');
    await expect
      .poll(async () => ((await lastAnswer().textContent()) ?? '').split(/\s+/).length, { timeout: 10_000 })
      .toBeGreaterThan(12);
    // What a lost network does: the connection goes away without a closing handshake.
    for (const socket of chatSockets) socket.destroy();
    await page.getByTestId('answer-reconnecting').waitFor({ timeout: 5_000 });
    await shot('chat-reconnecting');
    await expect.poll(() => lastAnswer().getAttribute('data-state'), { timeout: 20_000 }).toBe('complete');
    // The page reconnected once by itself.
    expect(upgrades).toBe(before + 1);
    await expect.poll(() => lastAnswer().locator('p').count()).toBe(PARAGRAPHS.length);
    // Every paragraph once, in order, nothing missing or doubled at the cut.
    expect(await lastAnswer().locator('p').allTextContents()).toEqual(PARAGRAPHS);
    expect(await page.getByTestId('answer-reconnecting').count()).toBe(0);
    // The stored answer is the same text, stored once.
    const conversationId = page.url().split('/').pop() ?? '';
    const response = await api(gateway).inject({
      method: 'GET',
      url: `/api/conversations/${conversationId}/messages`,
      headers: bearer(member),
    });
    const stored = (
      JSON.parse(response.body) as { data: Array<{ role: string; text: string; state: string }> }
    ).data;
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(stored[1]).toMatchObject({ text: PARAGRAPHS.join('\n\n'), state: 'complete' });
    expect(suite.cspViolations).toEqual([]);
    await shot('chat-resumed');
  });

  it('attaches an image, sends it, and shows it in the question; refuses a text file with a clear error', async () => {
    const input = page.getByTestId('attach-input');
    await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await expect
      .poll(() => page.getByTestId('attachment-error').textContent())
      .toContain('“notes.txt” cannot be attached');
    await input.setInputFiles({ name: 'gradient.png', mimeType: 'image/png', buffer: PNG });
    await expect.poll(() => page.getByTestId('pending-attachment').getAttribute('data-status')).toBe('ready');
    await shot('chat-attachment-pending');
    await page.getByTestId('composer-input').fill('What is in this picture? [[mock echo]]');
    await page.getByTestId('send-button').click();
    await expect.poll(() => lastAnswer().getAttribute('data-state'), { timeout: 10_000 }).toBe('complete');
    expect(await lastAnswer().textContent()).toContain('What is in this picture?');
    const image = lastQuestion().getByTestId('attachment-image').locator('img');
    await expect.poll(() => image.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(await image.getAttribute('alt')).toBe('gradient.png');
    // Decoded and drawn: a real image, not a broken icon.
    await expect.poll(() => image.evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBe(96);
    expect(await page.getByTestId('pending-attachment').count()).toBe(0);
    expect(suite.cspViolations).toEqual([]);
    expect(suite.dialogs).toEqual([]);
    await shot('chat-upload');
  });
});

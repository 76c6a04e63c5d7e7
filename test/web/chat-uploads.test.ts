/**
 * Files attached to web chat questions, against a real gateway whose account is an Anthropic-API
 * account on the mock upstream over HTTP, so the request the upstream received can be read back
 * (`/_mock/last-request`): images and PDFs arrive as base64 `image` / `document` blocks, before the
 * question's text, and again with later questions; bad files are refused with clear errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';
import { api, bearer, expectError, type Session, startAuthGateway } from '../auth/support.js';
import type { TestGateway } from '../support/gateway.js';
import { chatSteps } from './chat-client.js';

const IMAGE_LIMIT = 4_096;
/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);

let upstream: MockUpstreamServer;
let gateway: TestGateway;
let client: ReturnType<typeof api>;
let alice: Session;
let bob: Session;
let model: string;

beforeAll(async () => {
  upstream = await startMockUpstream();
  gateway = await startAuthGateway({
    accounts: [{ kind: 'anthropic_api', name: 'main', apiKey: 'sk-ant-test-upload', baseUrl: upstream.url }],
    env: { CHAT_UPLOAD_IMAGE_MAX_BYTES: String(IMAGE_LIMIT), CHAT_UPLOAD_PDF_MAX_BYTES: '8192' },
  });
  client = api(gateway);
  alice = await client.userWithRole('member');
  bob = await client.userWithRole('member');
  const models = await client.inject({ method: 'GET', url: '/api/chat/models', headers: bearer(alice) });
  model = (JSON.parse(models.body) as { data: Array<{ id: string }> }).data[0]?.id ?? '';
  expect(model).not.toBe('');
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

function upload(session: Session, type: string, bytes: Buffer, name?: string) {
  return client.inject({
    method: 'POST',
    url: `/api/chat/attachments${name === undefined ? '' : `?name=${encodeURIComponent(name)}`}`,
    headers: { ...bearer(session), 'content-type': type },
    payload: bytes,
  });
}

async function uploaded(session: Session, type: string, bytes: Buffer, name?: string) {
  const response = await upload(session, type, bytes, name);
  expect(response.statusCode, response.body).toBe(201);
  return JSON.parse(response.body) as { id: string; name: string; mediaType: string; size: number };
}

const { conversationOf, signedInSocket } = chatSteps(() => ({
  url: gateway.url,
  inject: (options) => client.inject(options),
}));

type Block = {
  type: string;
  text?: string;
  title?: string;
  source?: { type: string; media_type: string; data: string };
};
async function lastUpstreamRequest() {
  const response = await fetch(`${upstream.url}/_mock/last-request`);
  return (await response.json()) as { messages: Array<{ role: string; content: string | Block[] }> };
}

describe('uploading a file', () => {
  it('stores an image and gives its bytes back to its owner, with its type', async () => {
    const stored = await uploaded(alice, 'image/png', PNG, 'C:\\photos\\dot.png');
    expect(stored).toEqual({
      id: expect.any(String),
      name: 'dot.png',
      mediaType: 'image/png',
      size: PNG.length,
    });
    const file = await client.inject({
      method: 'GET',
      url: `/api/chat/attachments/${stored.id}`,
      headers: bearer(alice),
    });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
    // The bytes as sent, not text: inject keeps them in rawPayload.
    expect((file as unknown as { rawPayload: Buffer }).rawPayload).toEqual(PNG);
  });

  it('tells the type by the content: a JPEG named .png is stored as a JPEG', async () => {
    const stored = await uploaded(alice, 'image/png', JPEG, 'really.png');
    expect(stored.mediaType).toBe('image/jpeg');
  });

  it('refuses wrong content, unsupported types, empty and oversized files with clear errors', async () => {
    let message = expectError(
      await upload(alice, 'image/png', Buffer.from('hello, not an image')),
      400,
      'invalid_request_error',
    );
    expect(message).toBe("The file's content is not a PNG image nor another type that can be attached.");
    message = expectError(await upload(alice, 'image/png', PDF), 400, 'invalid_request_error');
    expect(message).toBe("The file's content is not a PNG image (it is a PDF document).");
    message = expectError(
      await upload(alice, 'image/svg+xml', Buffer.from('<svg/>')),
      415,
      'invalid_request_error',
    );
    expect(message).toContain("can be attached (the file was sent as 'image/svg+xml')");
    expectError(await upload(alice, 'application/pdf', Buffer.alloc(0)), 400, 'invalid_request_error');
    const big = Buffer.concat([PNG, Buffer.alloc(IMAGE_LIMIT)]);
    message = expectError(await upload(alice, 'image/png', big), 413, 'request_too_large');
    expect(message).toMatch(/^The PNG image is 4\.\d KiB; at most 4 KiB can be attached\.$/);
    // Declared as a PDF (a larger limit) but an image: refused rather than kept under the PDF limit.
    message = expectError(await upload(alice, 'application/pdf', big), 400, 'invalid_request_error');
    expect(message).toContain('(it is a PNG image)');
    message = expectError(
      await upload(alice, 'application/pdf', Buffer.concat([PDF, Buffer.alloc(9_000)])),
      413,
      'request_too_large',
    );
    expect(message).toContain('at most 8 KiB');
  });

  it('keeps at most ten unsent uploads per user', async () => {
    const carol = await client.userWithRole('member');
    for (let i = 0; i < 10; i++) await uploaded(carol, 'image/png', PNG);
    expectError(await upload(carol, 'image/png', PNG), 429, 'rate_limit_error');
  });
});

describe('sending files with a question', () => {
  it('sends an image and a PDF upstream as base64 blocks before the text, and stores them with the question', async () => {
    const conversationId = await conversationOf(alice);
    const image = await uploaded(alice, 'image/png', PNG, 'dot.png');
    const pdf = await uploaded(alice, 'application/pdf', PDF, 'notes.pdf');
    const socket = await signedInSocket(alice);
    socket.send({
      type: 'send',
      conversationId,
      model,
      content: 'What are these? [[mock echo]]',
      attachments: [image.id, pdf.id],
    });
    const done = await socket.next('done');
    expect(done.state).toBe('complete');
    const request = await lastUpstreamRequest();
    expect(request.messages).toEqual([
      {
        role: 'user',
        content: [
          {
            type: 'image',
            source: { type: 'base64', media_type: 'image/png', data: PNG.toString('base64') },
          },
          {
            type: 'document',
            title: 'notes.pdf',
            source: { type: 'base64', media_type: 'application/pdf', data: PDF.toString('base64') },
          },
          { type: 'text', text: 'What are these? [[mock echo]]' },
        ],
      },
    ]);
    const messages = await client.inject({
      method: 'GET',
      url: `/api/conversations/${conversationId}/messages`,
      headers: bearer(alice),
    });
    const stored = (
      JSON.parse(messages.body) as { data: Array<{ role: string; text: string; attachments: unknown[] }> }
    ).data;
    expect(stored[0]?.attachments).toEqual([image, pdf]);
    expect(stored[1]).toMatchObject({ role: 'assistant', text: 'What are these?', attachments: [] });

    // The next question sends the earlier files again, with the conversation.
    socket.send({ type: 'send', conversationId, model, content: 'And now? [[mock echo]]' });
    await socket.next('done', (e) => e.requestId !== done.requestId);
    const next = await lastUpstreamRequest();
    expect(next.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect((next.messages[0]?.content as Block[]).map((b) => b.type)).toEqual(['image', 'document', 'text']);
    expect(next.messages[2]?.content).toBe('And now? [[mock echo]]');
    socket.close();
  });

  it('takes a question that is only a file, and names the conversation after it', async () => {
    const conversationId = await conversationOf(alice);
    const image = await uploaded(alice, 'image/png', PNG, 'holiday.png');
    const socket = await signedInSocket(alice);
    socket.send({ type: 'send', conversationId, model, content: '', attachments: [image.id] });
    expect((await socket.next('done')).state).toBe('complete');
    const request = await lastUpstreamRequest();
    expect((request.messages[0]?.content as Block[]).map((b) => b.type)).toEqual(['image']);
    const list = await client.inject({ method: 'GET', url: '/api/conversations', headers: bearer(alice) });
    const listed = (JSON.parse(list.body) as { data: Array<{ id: string; title: string }> }).data;
    expect(listed.find((c) => c.id === conversationId)?.title).toBe('holiday.png');
    socket.close();
  });

  it("refuses another user's file, a file sent before, and a send naming nothing: nothing is stored", async () => {
    const conversationId = await conversationOf(alice);
    const bobs = await uploaded(bob, 'image/png', PNG);
    const socket = await signedInSocket(alice);
    socket.send({
      type: 'send',
      ref: 'theirs',
      conversationId,
      model,
      content: 'look',
      attachments: [bobs.id],
    });
    expect(await socket.next('rejected', (e) => e.ref === 'theirs')).toMatchObject({
      error: { type: 'not_found_error' },
    });
    const mine = await uploaded(alice, 'image/png', PNG);
    socket.send({ type: 'send', conversationId, model, content: 'once', attachments: [mine.id] });
    await socket.next('done');
    socket.send({
      type: 'send',
      ref: 'twice',
      conversationId,
      model,
      content: 'twice',
      attachments: [mine.id],
    });
    expect(await socket.next('rejected', (e) => e.ref === 'twice')).toMatchObject({
      error: { type: 'not_found_error' },
    });
    const messages = await client.inject({
      method: 'GET',
      url: `/api/conversations/${conversationId}/messages`,
      headers: bearer(alice),
    });
    expect((JSON.parse(messages.body) as { data: unknown[] }).data).toHaveLength(2);
    // Bob's file is still his and unsent.
    const still = await client.inject({
      method: 'GET',
      url: `/api/chat/attachments/${bobs.id}`,
      headers: bearer(bob),
    });
    expect(still.statusCode).toBe(200);
    // Neither text nor a file: not a protocol message.
    socket.send({ type: 'send', conversationId, model, content: '   ' });
    expect((await socket.closed).code).toBe(4400);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** Where images live: a good PNG, one too big, a page that is not an image, a redirect, a 404. */
async function startImageServer(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/ok.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    else if (req.url === '/big.png')
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(6 * 1024 * 1024));
    else if (req.url === '/page') res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
    else if (req.url === '/moved') res.writeHead(302, { location: '/ok.png' }).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const withImage = (url: string): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming => ({
  model: 'claude-sonnet-4-6',
  max_tokens: 16,
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'what is this?' },
        { type: 'image_url', image_url: { url } },
      ],
    },
  ],
});

describe('remote image URLs on the Chat Completions route', () => {
  let upstream: MockUpstreamServer;
  let images: Awaited<ReturnType<typeof startImageServer>>;
  const gateways: TestGateway[] = [];
  const lastUpstreamRequest = async () =>
    (await (await fetch(`${upstream.url}/_mock/last-request`)).json()) as {
      messages: Array<{ content: unknown }>;
    };

  beforeAll(async () => {
    upstream = await startMockUpstream();
    images = await startImageServer();
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    await upstream?.close();
    await images?.close();
  });

  async function clientWith(env: Record<string, string>, baseUrl = upstream.url) {
    const gateway = await startTestGateway({
      accounts: [{ kind: 'anthropic_api', name: 'main', apiKey: 'sk-ant-test', baseUrl }],
      env,
    });
    gateways.push(gateway);
    return new OpenAI({ apiKey: gateway.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  }

  it('fetches an allowed image and sends it inline, with size, type and redirect checks', async () => {
    const client = await clientWith({ OPENAI_REMOTE_IMAGES: 'fetch' });
    const answer = await client.chat.completions.create(withImage(`${images.url}/ok.png`));
    expect(answer.choices[0]?.message.role).toBe('assistant');
    const sent = await lastUpstreamRequest();
    expect(sent.messages[0]?.content).toEqual([
      { type: 'text', text: 'what is this?' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG.toString('base64') } },
    ]);
    for (const [path, message] of [
      ['/big.png', 'larger than 5 MB'],
      ['/page', 'not a JPEG, PNG, GIF or WebP image'],
      ['/moved', 'HTTP 302'],
      ['/missing', 'HTTP 404'],
    ] as const) {
      const error = await client.chat.completions
        .create(withImage(`${images.url}${path}`))
        .catch((e: unknown) => e);
      expect(error, path).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as Error).message, path).toContain(message);
      expect((error as Error).message, path).toContain('messages.0.content.1.image_url.url');
    }
    // The redirect was not followed: the server saw /moved once and no second /ok.png for it.
    expect(images.hits.filter((hit) => hit === '/ok.png')).toHaveLength(1);
  });

  it('refuses an image on a private address unless the operator allowed it, without connecting', async () => {
    // The account's upstream is allowed by name; the image server's loopback address is not.
    const client = await clientWith(
      { OPENAI_REMOTE_IMAGES: 'fetch', OUTBOUND_ALLOW_PRIVATE: 'false', OUTBOUND_ALLOWED_HOSTS: 'localhost' },
      upstream.url.replace('127.0.0.1', 'localhost'),
    );
    const before = images.hits.length;
    const error = await client.chat.completions
      .create(withImage(`${images.url}/ok.png`))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('loopback');
    for (const metadata of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:a9fe:a9fe]/x']) {
      const refused = await client.chat.completions.create(withImage(metadata)).catch((e: unknown) => e);
      expect(refused, metadata).toBeInstanceOf(OpenAI.BadRequestError);
    }
    expect(images.hits.length).toBe(before);
  });

  it('refuses image URLs by default, and forwards them untouched when told to', async () => {
    const refusing = await clientWith({});
    const error = await refusing.chat.completions
      .create(withImage(`${images.url}/ok.png`))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('not fetched by this gateway');
    const forwarding = await clientWith({ OPENAI_REMOTE_IMAGES: 'forward' });
    const before = images.hits.length;
    await forwarding.chat.completions.create(withImage(`${images.url}/ok.png`));
    expect((await lastUpstreamRequest()).messages[0]?.content).toContainEqual({
      type: 'image',
      source: { type: 'url', url: `${images.url}/ok.png` },
    });
    expect(images.hits.length).toBe(before);
  });
});

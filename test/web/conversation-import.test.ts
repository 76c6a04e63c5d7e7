/**
 * POST /api/conversations/import refusing what it must: a file that is not an export (400 with
 * the reason), bad conversations (skipped, each with the field and the reason, the rest stored),
 * files whose bytes are not what they claim, and the caps on counts and bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, expectError, startAuthGateway, type Injected, type Session } from '../auth/support.js';
import type { TestGateway } from '../support/gateway.js';
import { caller, PNG } from './history-support.js';

interface Report {
  imported: { conversations: number; messages: number; attachments: number };
  conversations: Array<{ index: number; id: string; title: string | null; messages: number }>;
  skipped: Array<{ index: number; title: string | null; reason: string }>;
}

let gateway: TestGateway;
let alice: Session;
let call: ReturnType<typeof caller>;
const T = '2026-03-01T10:00:00.000Z';
const body = (conversations: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ format: 'switchyard.conversations', version: 1, conversations, ...extra });
const conversation = (overrides: Record<string, unknown> = {}) => ({
  title: 'Fine',
  pinned: false,
  createdAt: T,
  updatedAt: T,
  messages: [
    { role: 'user', content: { text: 'hello' }, createdAt: T },
    {
      role: 'assistant',
      content: { text: 'hi', model: 'claude-haiku-4-5', state: 'complete' },
      createdAt: T,
    },
  ],
  ...overrides,
});
const file = { id: 'f1', name: 'dot.png', mediaType: 'image/png', size: PNG.length, createdAt: T };
const withFile = (data: string, overrides: Record<string, unknown> = {}) =>
  conversation({
    title: 'With a file',
    messages: [
      {
        role: 'user',
        content: {
          text: 'see',
          attachments: [{ id: 'f1', name: 'dot.png', mediaType: 'image/png', size: PNG.length }],
        },
        createdAt: T,
      },
    ],
    attachments: [{ ...file, data, ...overrides }],
  });
const importing = async (payload: string): Promise<Injected> =>
  call('POST', '/api/conversations/import', payload);
const reportOf = async (payload: string): Promise<Report> => {
  const response = await importing(payload);
  expect(response.statusCode, response.body).toBe(200);
  return JSON.parse(response.body) as Report;
};

beforeAll(async () => {
  gateway = await startAuthGateway();
  alice = await api(gateway).userWithRole('member');
  call = caller(gateway, alice);
});
afterAll(() => gateway?.close());

describe('import validation', () => {
  it('refuses a file that is not a Switchyard export, saying why', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{not json', /not valid JSON/],
      ['[]', /^body: /],
      [
        JSON.stringify({ format: 'chatgpt', version: 1, conversations: [conversation()] }),
        /^format: not a Switchyard conversations export/,
      ],
      [body([conversation()], { version: 2 }), /^version: this server reads version 1/],
      [body([]), /^conversations: the file holds no conversations/],
      [body([conversation()], { extra: true }), /Unrecognized key/],
      [
        body(Array.from({ length: 1001 }, () => ({}))),
        /^conversations: at most 1000 conversations per import/,
      ],
    ];
    for (const [payload, message] of cases) {
      expect(
        expectError(await importing(payload), 400, 'invalid_request_error'),
        payload.slice(0, 60),
      ).toMatch(message);
    }
    expect(await gateway.runtime.store.conversations.listByUser(alice.userId, 10)).toEqual([]);
  });

  it('skips bad conversations with the field and the reason, and imports the rest', async () => {
    const report = await reportOf(
      body([
        conversation({ title: 'Good one' }),
        conversation({
          title: 'Bad role',
          messages: [{ role: 'system', content: { text: 'x' }, createdAt: T }],
        }),
        conversation({
          title: 'Unknown field',
          messages: [{ role: 'user', content: { text: 'x', html: '<b>' }, createdAt: T }],
        }),
        conversation({ title: 'Bad time', createdAt: 'yesterday' }),
        conversation({
          title: 'Missing file',
          messages: [
            {
              role: 'user',
              content: {
                text: 'x',
                attachments: [{ id: 'nope', name: 'a.png', mediaType: 'image/png', size: 3 }],
              },
              createdAt: T,
            },
          ],
        }),
        'not an object',
        conversation({
          title: 'Too long',
          messages: Array.from({ length: 2001 }, () => ({
            role: 'user',
            content: { text: 'x' },
            createdAt: T,
          })),
        }),
        conversation({ title: 'Good two', pinned: true }),
      ]),
    );
    expect(report.imported).toEqual({ conversations: 2, messages: 4, attachments: 0 });
    expect(report.conversations.map((c) => [c.index, c.title])).toEqual([
      [0, 'Good one'],
      [7, 'Good two'],
    ]);
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.index, s.reason]));
    expect(report.skipped.map((s) => [s.index, s.title])).toEqual([
      [1, 'Bad role'],
      [2, 'Unknown field'],
      [3, 'Bad time'],
      [4, 'Missing file'],
      [5, null],
      [6, 'Too long'],
    ]);
    expect(reasons[1]).toMatch(/^messages\.0\.role: /);
    expect(reasons[2]).toMatch(/^messages\.0\.content: Unrecognized key.*html/);
    expect(reasons[3]).toMatch(/^createdAt: /);
    expect(reasons[4]).toBe(
      "messages.0.content.attachments.0: names the file 'nope', which the export does not hold",
    );
    expect(reasons[5]).toMatch(/^conversation: /);
    expect(reasons[6]).toMatch(/^messages: .*2000/);
    const listed = await gateway.runtime.store.conversations.listByUser(alice.userId, 10);
    expect(listed.map((c) => [c.title, c.pinned])).toEqual([
      ['Good two', true],
      ['Good one', false],
    ]);
  });

  it('checks files like uploads: real bytes of the named type, the stated size, within the limits', async () => {
    const good = await reportOf(body([withFile(PNG.toString('base64'))]));
    expect(good.imported).toEqual({ conversations: 1, messages: 1, attachments: 1 });
    const pdf = Buffer.from('%PDF-1.4\n%\u00e2\u00e3\n1 0 obj\n').toString('base64');
    const bad = await reportOf(
      body([
        withFile('not base64!'),
        withFile(pdf),
        withFile(PNG.toString('base64'), { size: 3 }),
        withFile(PNG.toString('base64').replace(/=+$/, '')),
        withFile(PNG.toString('base64'), { mediaType: 'text/html' }),
        withFile(PNG.toString('base64'), { name: '../../etc/passwd' }),
      ]),
    );
    expect(bad.imported.conversations).toBe(0);
    expect(bad.skipped.map((s) => s.reason)).toEqual([
      'attachments.0.data: must be base64',
      'attachments.0.data: is not a PNG image',
      `attachments.0.size: says 3 bytes, the data holds ${PNG.length}`,
      'attachments.0.data: is not valid base64',
      expect.stringMatching(/^attachments\.0\.mediaType: /),
      'attachments.0.name: must be a file name',
    ]);
  });

  it('caps the body at 32 MiB with a 413', async () => {
    const big = body([
      conversation({
        messages: [{ role: 'user', content: { text: 'x'.repeat(33 * 1024 * 1024) }, createdAt: T }],
      }),
    ]);
    expectError(await importing(big), 413, 'request_too_large');
  });
});

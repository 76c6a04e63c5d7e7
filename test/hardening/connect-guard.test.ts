import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cancellation } from '../../src/cancel-signal.js';
import { guardedLookup } from '../../src/identity/guarded-lookup.js';
import { createOutboundUrlGuard } from '../../src/identity/outbound-url.js';
import { createAnthropicApiKind } from '../../src/upstreams/anthropic-api/index.js';
import { UpstreamTransportError } from '../../src/upstreams/errors.js';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';

/**
 * DNS rebinding: a name that was public when an admin set the base URL and resolves to a private
 * or metadata address later is refused when the connection is made. A scripted resolver plays the
 * rebinding DNS server; the mock upstream on 127.0.0.1 plays the internal service.
 */
describe('connect-time outbound check', () => {
  let upstream: MockUpstreamServer;
  let hits = 0;
  beforeAll(async () => {
    upstream = await startMockUpstream();
  });
  afterAll(() => upstream?.close());

  const rebinding =
    (address: string) =>
    (_host: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) =>
      callback(null, [{ address, family: address.includes(':') ? 6 : 4 }]);

  async function send(allowPrivate: boolean, address: string) {
    const guard = createOutboundUrlGuard({ allowPrivate, allowedHosts: [] });
    const kind = createAnthropicApiKind(guardedLookup(guard, rebinding(address)));
    const port = new URL(upstream.url).port;
    const account = {
      id: 'a',
      name: 'a',
      kind: 'anthropic_api' as const,
      baseUrl: `http://rebind.example:${port}`,
      credential: 'k',
      settings: {},
    };
    const body = Buffer.from(
      JSON.stringify({
        model: 'claude-sonnet-4-6',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    const response = await kind.create(account).send({
      operation: 'messages',
      body,
      stream: false,
      model: 'claude-sonnet-4-6',
      anthropicVersion: undefined,
      anthropicBeta: undefined,
      requestId: 'req_test',
      firstByteTimeoutMs: 5_000,
      idleTimeoutMs: 5_000,
      signal: new Cancellation().signal,
    });
    hits += 1;
    for await (const _ of response.body);
    return response.status;
  }

  it('refuses a name that now resolves to loopback when private outbound is not allowed', async () => {
    const error = await send(false, '127.0.0.1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamTransportError);
    expect((error as UpstreamTransportError).failure).toBe('connect');
    expect(String((error as Error).cause)).toContain('disallowed address');
    expect(hits).toBe(0);
  });

  it('connects when the operator allowed private outbound', async () => {
    expect(await send(true, '127.0.0.1')).toBe(200);
  });

  it('never connects to the metadata address, even with private outbound allowed', async () => {
    const error = await send(true, '169.254.169.254').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamTransportError);
    expect(String((error as Error).cause)).toContain('disallowed address');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const body = JSON.stringify({
  model: 'claude-sonnet-4-6',
  max_tokens: 8,
  messages: [{ role: 'user', content: 'hi' }],
});

const gateways: TestGateway[] = [];
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close();
});

async function gatewayWith(env: Record<string, string>) {
  const gateway = await startTestGateway({ env: { LIMIT_REQUESTS_PER_MINUTE_PER_IP: '2', ...env } });
  gateways.push(gateway);
  return gateway;
}

async function send(gateway: TestGateway, forwardedFor?: string) {
  const response = await fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': gateway.key,
      'content-type': 'application/json',
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
    body,
  });
  return {
    status: response.status,
    text: await response.text(),
    retryAfter: response.headers.get('retry-after'),
  };
}

describe('per-address rate limit', () => {
  it('ignores X-Forwarded-For from a client that is not a trusted proxy', async () => {
    const gateway = await gatewayWith({});
    expect((await send(gateway, '198.51.100.1')).status).toBe(200);
    expect((await send(gateway, '198.51.100.2')).status).toBe(200);
    const refused = await send(gateway, '198.51.100.3');
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('This client address is limited to 2 requests per minute');
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('reads the client address past trusted proxies', async () => {
    const gateway = await gatewayWith({ TRUSTED_PROXIES: 'loopback' });
    expect((await send(gateway, '203.0.113.1')).status).toBe(200);
    expect((await send(gateway, '203.0.113.1')).status).toBe(200);
    expect((await send(gateway, '203.0.113.1')).status).toBe(429);
    // Another client behind the same proxy has its own budget.
    expect((await send(gateway, '203.0.113.2')).status).toBe(200);
    // A spoofed hop before the real client does not help: the proxy appended the real address.
    expect((await send(gateway, '10.9.9.9, 203.0.113.1')).status).toBe(429);
  });
});

/**
 * Alert webhooks (ALERT_WEBHOOK_URL) end to end: a real gateway whose accounts fail, a local HTTP
 * receiver, and the SSRF checks the URL passes like any admin-set outbound URL.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, waitFor, type TestGateway } from '../support/gateway.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(status = 204): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

async function gateway(env: Record<string, string>, accounts: Parameters<typeof startTestGateway>[0]) {
  const g = await startTestGateway({ ...accounts, env });
  cleanups.push(() => g.close());
  return g;
}

async function ask(g: TestGateway, content: string): Promise<number> {
  const response = await fetch(`${g.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': g.key, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 10,
      messages: [{ role: 'user', content }],
    }),
  });
  await response.text();
  return response.status;
}

describe('alert webhooks', () => {
  it('tells the webhook once when an account needs re-authentication', async () => {
    const hook = await receiver();
    const g = await gateway(
      { ALERT_WEBHOOK_URL: hook.url },
      {
        accounts: [
          {
            kind: 'mock',
            name: 'rejected',
            apiKey: 'wrong',
            settings: { expectedApiKey: 'right' },
            priority: 1,
          },
          { kind: 'mock', name: 'fine', priority: 5 },
        ],
      },
    );
    expect(await ask(g, 'hello')).toBe(200); // failed over from the rejected account
    await ask(g, 'again');
    const [alert] = await waitFor(() => (hook.received.length > 0 ? hook.received : undefined));
    expect(alert!.headers['content-type']).toBe('application/json');
    expect(alert!.body).toMatchObject({
      source: 'switchyard',
      alert: 'account_needs_reauth',
      severity: 'warning',
      details: { account: 'rejected', kind: 'mock' },
    });
    expect(alert!.body['summary']).toMatch(/rejected needs re-authentication/);
    expect(Date.parse(alert!.body['at'] as string)).toBeGreaterThan(Date.now() - 60_000);
    // The account takes no more traffic, so no second alert; and none for the model, which still has one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hook.received).toHaveLength(1);
  }, 60_000);

  it('tells the webhook when every account of a model cools down for a while, not for a blip', async () => {
    const hook = await receiver();
    const g = await gateway(
      { ALERT_WEBHOOK_URL: hook.url },
      {
        accounts: [
          { kind: 'mock', name: 'a' },
          { kind: 'mock', name: 'b' },
        ],
      },
    );
    // A 5xx cools each account for 2 s only: below the minimum outage, no alert.
    expect(await ask(g, '[[mock status=529]]')).toBe(529);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hook.received).toEqual([]);
    // An exhausted quota (retry-after far away) takes the model out: one alert naming every model.
    await waitFor(() => (g.runtime.pool.accounts().every((a) => a.state === 'active') ? true : undefined));
    expect(await ask(g, '[[mock status=429 retry-after=600]]')).toBe(429);
    const [alert] = await waitFor(() => (hook.received.length > 0 ? hook.received : undefined));
    expect(alert!.body).toMatchObject({ alert: 'model_all_accounts_cooling_down', severity: 'critical' });
    const models = (
      alert!.body['details'] as { models: Array<{ model: string; until: string; accounts: unknown[] }> }
    ).models;
    const sonnet = models.find((m) => m.model === 'claude-sonnet-4-6');
    expect(sonnet?.accounts).toHaveLength(2);
    expect(Date.parse(sonnet!.until) - Date.now()).toBeGreaterThan(500_000);
    expect(models.length).toBe(g.runtime.catalogue.snapshot().models.length);
    // One alert for the whole outage, not one per model.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hook.received).toHaveLength(1);
  }, 60_000);

  it('sends nothing to an address the outbound checks refuse', async () => {
    const hook = await receiver();
    const g = await gateway(
      { ALERT_WEBHOOK_URL: hook.url, OUTBOUND_ALLOW_PRIVATE: 'false' },
      {
        accounts: [
          {
            kind: 'mock',
            name: 'rejected',
            apiKey: 'wrong',
            settings: { expectedApiKey: 'right' },
            priority: 1,
          },
          { kind: 'mock', name: 'fine', priority: 5 },
        ],
      },
    );
    expect(await ask(g, 'hello')).toBe(200);
    const refused = await waitFor(() =>
      g.logs.some((line) => line.includes('could not send an alert webhook')) ? true : undefined,
    );
    expect(refused).toBe(true);
    expect(g.logs.join('')).toMatch(/ALERT_WEBHOOK_URL is refused by the outbound checks/);
    expect(g.logs.join('')).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(hook.received).toEqual([]);
  }, 60_000);
});

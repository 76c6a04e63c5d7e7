/**
 * The admin operations pages in Chromium against a real gateway (embedded mode): the workers page
 * with the server as its one worker, the queue with a request waiting and one being answered
 * (cancelled from the page), the settings page toggling registration, and a key's limits edited.
 * Screenshots of each page go to test-artifacts/e2e/admin-ops-*.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, PASSWORD } from '../auth/support.js';
import type { TestGateway } from '../support/gateway.js';
import { signIn, startE2eSuite, type E2eSuite } from './browser.js';

let suite: E2eSuite;
let gateway: TestGateway;
let page: Page;

const shot = (name: string) => suite.shot(name);

beforeAll(async () => {
  suite = await startE2eSuite({
    name: 'admin-ops',
    viewport: { width: 1280, height: 900 },
    gateway: {
      accounts: [{ kind: 'mock', name: 'solo', maxConcurrency: 1 }],
      env: { QUEUE_MAX_WAIT_MS: '60000', STREAM_PING_AFTER_MS: '60000', LOG_LEVEL: 'warn' },
    },
  });
  ({ gateway, page } = suite);
});

afterAll(async () => {
  await suite?.close();
});

function ask(prompt: string) {
  return fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': gateway.key,
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
    },
    body: JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 32,
      messages: [{ role: 'user', content: prompt }],
    }),
  });
}

describe('the admin operations pages in Chromium', () => {
  it('signs in and shows the server as its one worker (embedded mode)', async () => {
    const admin = await api(gateway).userWithRole('admin');
    await page.goto(`${gateway.url}/admin/workers`);
    await signIn(page, admin.username);
    await page.getByTestId('admin-page-workers').waitFor();
    const row = page.getByTestId('worker-row');
    await row.waitFor();
    expect(await row.getAttribute('data-id')).toBe('embedded');
    expect(await row.textContent()).toContain('solo');
    expect(await page.getByTestId('workers-embedded').textContent()).toContain('SIGTERM');
    expect(await page.getByTestId('worker-toggle').count()).toBe(0);
    await shot('admin-ops-workers');
  });

  it('lists a running and a waiting request on /admin/queue and cancels the waiting one', async () => {
    const running = ask('slow [[mock latency=20000]]');
    const waiting = ask('behind it');
    await page.getByTestId('admin-nav-queue').click();
    await expect.poll(() => page.getByTestId('queue-row').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.getByTestId('queue-depth').textContent()).toBe('1');
    expect(await page.locator('[data-testid=queue-row][data-state=active]').textContent()).toContain('solo');
    await shot('admin-ops-queue');

    await page.locator('[data-testid=queue-row][data-state=waiting]').getByTestId('queue-cancel').click();
    await page.getByTestId('queue-confirm').click();
    const refused = await waiting;
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('cancelled');
    await expect.poll(() => page.getByTestId('queue-message').textContent()).toContain('cancelled');
    await expect.poll(() => page.getByTestId('queue-row').count(), { timeout: 10_000 }).toBe(1);

    await page.getByTestId('queue-cancel').click();
    await page.getByTestId('queue-confirm').click();
    expect((await running).status).toBe(409);
    await expect.poll(() => page.getByTestId('empty-state').count(), { timeout: 10_000 }).toBe(1);
  });

  it('opens registration on /admin/settings, and the server applies it at once', async () => {
    await page.getByTestId('admin-nav-settings').click();
    const toggle = page.getByTestId('switch-registrationOpen').locator('input');
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(false);
    await toggle.click();
    await expect.poll(() => page.getByTestId('settings-message').textContent()).toBe('Saved.');
    expect(gateway.runtime.settings.values.registrationOpen).toBe(true);
    expect(await page.getByTestId('setting-registrationOpen').textContent()).toContain('Changed');
    const registered = await gateway.runtime.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: JSON.stringify({ username: 'walk-in', password: PASSWORD }),
    });
    expect(registered.statusCode).toBe(201);
    await page.getByTestId('default-limit-requestsPerMinute').fill('120');
    await page.getByTestId('default-limits-save').click();
    await expect
      .poll(() => gateway.runtime.settings.values.defaultKeyLimits)
      .toEqual({ requestsPerMinute: 120 });
    await shot('admin-ops-settings');
  });

  it('edits a key’s limits on /admin/keys', async () => {
    await gateway.runtime.apiKeys.create({ name: 'limited', limits: { requestsPerMinute: 10 } });
    await page.getByTestId('admin-nav-keys').click();
    const row = page.getByTestId('key-row').filter({ hasText: 'limited' });
    await row.getByTestId('key-edit').click();
    await page.getByTestId('key-limit-requestsPerMinute').fill('25');
    await page.getByTestId('key-limit-usdPerDay').fill('3.5');
    await shot('admin-ops-key-limits');
    await page.getByTestId('key-limits-save').click();
    await expect
      .poll(() => row.getByTestId('key-row-limits').textContent())
      .toContain('requestsPerMinute=25');
    const stored = (await gateway.runtime.apiKeys.list()).find((k) => k.name === 'limited');
    expect(stored?.limits).toEqual({ requestsPerMinute: 25, usdPerDay: 3.5 });
    await shot('admin-ops-keys');
    expect(suite.cspViolations).toEqual([]);
    expect(suite.dialogs).toEqual([]);
  });
});

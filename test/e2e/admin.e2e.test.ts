/**
 * The admin panel in Chromium against a real gateway: sign in as an admin, see the dashboard's
 * charts after some traffic, disable an account, try a key named with markup (refused by the
 * server, shown as text) and make a real one, and screenshot every page to test-artifacts/e2e/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../auth/support.js';
import { flushUsage, type TestGateway } from '../support/gateway.js';
import { signIn, startE2eSuite, type E2eSuite } from './browser.js';

const XSS = '<img src=x onerror="window.__xss=1">';

let suite: E2eSuite;
let gateway: TestGateway;
let page: Page;

const shot = (name: string) => suite.shot(name);

beforeAll(async () => {
  suite = await startE2eSuite({ name: 'admin', viewport: { width: 1280, height: 900 } });
  ({ gateway, page } = suite);
});

afterAll(async () => {
  await suite?.close();
});

async function traffic(requests: number): Promise<void> {
  for (let i = 0; i < requests; i++) {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': gateway.key,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({
        model: 'claude-sonnet-4-6',
        max_tokens: 32,
        stream: i % 2 === 0,
        messages: [{ role: 'user', content: 'hello' }],
      }),
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
  await flushUsage(gateway);
}

describe('the admin panel in Chromium', () => {
  it('signs in as an admin and shows the dashboard with charts of real traffic', async () => {
    await traffic(6);
    const admin = await api(gateway).userWithRole('admin');
    await page.goto(`${gateway.url}/admin/dashboard`);
    await signIn(page, admin.username);
    await page.getByTestId('admin-page-dashboard').waitFor();
    await expect.poll(() => page.getByTestId('figure-requests').textContent(), { timeout: 10_000 }).toBe('6');
    // uPlot drew each chart on a canvas, with a legend naming its series.
    for (const chart of ['chart-requests', 'chart-latency', 'chart-ttft', 'chart-tokens']) {
      await page.locator(`[data-testid=${chart}] canvas`).first().waitFor();
    }
    expect(await page.locator('[data-testid=chart-latency] .u-legend').textContent()).toContain('p95');
    expect(await page.getByTestId('utilisation').count()).toBeGreaterThan(0);
    await shot('admin-dashboard');
    // Live: new traffic shows without a reload.
    await traffic(2);
    await expect.poll(() => page.getByTestId('figure-requests').textContent(), { timeout: 10_000 }).toBe('8');
    expect(suite.cspViolations).toEqual([]);
  });

  it('disables an account on /admin/accounts and sees its state change', async () => {
    await page.getByTestId('admin-nav-accounts').click();
    const row = page.getByTestId('account-row').first();
    await row.waitFor();
    expect(await row.getByTestId('account-state').getAttribute('data-state')).toBe('active');
    await row.getByTestId('account-toggle').click();
    await expect.poll(() => row.getByTestId('account-state').getAttribute('data-state')).toBe('disabled');
    const [account] = await gateway.runtime.accounts.list();
    expect(account?.state).toBe('disabled');
    await shot('admin-accounts');
  });

  it('keeps a markup key name as text, and shows a new key’s secret once', async () => {
    await page.getByTestId('admin-nav-keys').click();
    await page.getByTestId('key-add').click();
    await page.getByTestId('key-name').fill(XSS);
    await page.getByTestId('key-create').click();
    // The server refuses such a name; the page says so and nothing it contains ran.
    await page.getByRole('dialog').getByRole('alert').waitFor();
    expect(await page.getByTestId('key-name').inputValue()).toBe(XSS);
    expect(await page.locator('[role=dialog] img').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await page.getByTestId('key-name').fill('ci-deploy');
    await page.getByTestId('key-create').click();
    const secret = await page.getByTestId('key-secret').textContent();
    expect(secret).toMatch(/^sk-sy-/);
    await shot('admin-keys-secret');
    await page.getByTestId('key-close').click();
    await expect.poll(() => page.getByTestId('key-row-name').allTextContents()).toContain('ci-deploy');
    expect(await page.getByText(secret ?? 'missing').count()).toBe(0);
    await shot('admin-keys');
    expect(suite.dialogs).toEqual([]);
  });

  it('shows the request and audit logs and the users page', async () => {
    await page.getByTestId('admin-nav-logs').click();
    await expect.poll(() => page.getByTestId('request-row').count()).toBe(8);
    await shot('admin-logs-requests');
    await page.getByTestId('tab-audit').click();
    await expect
      .poll(() => page.getByTestId('audit-row').allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining('account.update')]));
    await shot('admin-logs-audit');
    await page.getByTestId('admin-nav-users').click();
    await expect.poll(() => page.getByTestId('user-row').count()).toBeGreaterThan(1);
    await shot('admin-users');
    expect(suite.cspViolations).toEqual([]);
  });
});

/**
 * The web app in a real browser (Debian's Chromium driven by playwright-core) against a real
 * gateway and its mock account: sign in, watch an answer stream, stop one, and see that HTML in
 * messages stays text. Screenshots of the main pages go to test-artifacts/e2e/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../auth/support.js';
import type { TestGateway } from '../support/gateway.js';
import { signIn, startE2eSuite, type E2eSuite } from './browser.js';

let suite: E2eSuite;
let gateway: TestGateway;
let page: Page;

const shot = (name: string) => suite.shot(name);
const lastAnswer = () => page.getByTestId('message-assistant').last();

async function ask(text: string): Promise<void> {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-input').press('Enter');
}

beforeAll(async () => {
  suite = await startE2eSuite({ name: 'chat', viewport: { width: 1280, height: 800 } });
  ({ gateway, page } = suite);
});

afterAll(async () => {
  await suite?.close();
});

describe('the web chat in Chromium', () => {
  it('signs in and shows the empty chat, styled under the strict CSP', async () => {
    const member = await api(gateway).userWithRole('member');
    await page.goto(gateway.url);
    await page.getByTestId('username').waitFor();
    await shot('sign-in');
    await signIn(page, member.username);
    await expect.poll(() => page.getByTestId('signed-in-user').textContent()).toBe(member.username);
    await page.getByTestId('new-chat').waitFor();
    await expect.poll(() => page.getByTestId('model-picker').inputValue()).not.toBe('');
    await shot('chat-empty');
    // MUI's run-time styles applied: the nonce let emotion's <style> elements in.
    const background = await page.evaluate(
      "getComputedStyle(document.querySelector('[data-testid=new-chat]')).borderTopStyle",
    );
    expect(background).toBe('solid');
    expect(suite.cspViolations).toEqual([]);
  });

  it('streams an answer from the mock account into the page', async () => {
    await ask('Hello there [[mock words=40 tps=25]]');
    await page.getByTestId('message-assistant').first().waitFor();
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          seen.add((await lastAnswer().textContent()) ?? '');
          return lastAnswer().getAttribute('data-state');
        },
        { timeout: 15_000, interval: 50 },
      )
      .toBe('complete');
    // Several different partial texts were on screen before the answer completed.
    expect([...seen].filter((text) => text.length > 0).length).toBeGreaterThan(3);
    expect(((await lastAnswer().textContent()) ?? '').split(/\s+/).length).toBeGreaterThanOrEqual(40);
    // The first question named the conversation.
    await expect
      .poll(() => page.getByTestId('conversation-item').first().textContent())
      .toContain('Hello there');
    expect(page.url()).toMatch(/\/c\/[0-9a-f-]{36}$/);
    await shot('chat-answered');
  });

  it('stops a long answer with the stop button and keeps the partial text', async () => {
    await ask('A long one please [[mock words=400 tps=20]]');
    await expect
      .poll(async () => ((await lastAnswer().textContent()) ?? '').split(/\s+/).length)
      .toBeGreaterThan(5);
    await page.getByTestId('stop-button').click();
    await expect.poll(() => lastAnswer().getAttribute('data-state'), { timeout: 10_000 }).toBe('stopped');
    const words = ((await lastAnswer().textContent()) ?? '').split(/\s+/).length;
    expect(words).toBeLessThan(200);
    await page.getByTestId('send-button').waitFor();
    await shot('chat-stopped');
    // Reloading shows the stored partial answer, stopped (the refresh cookie restores the session
    // when the browser keeps Secure cookies on this origin; otherwise sign-in shows again).
  });

  it('shows HTML and script in messages as text, and runs nothing', async () => {
    const attack = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> [[mock echo]]';
    await ask(attack);
    await expect.poll(() => lastAnswer().getAttribute('data-state'), { timeout: 10_000 }).toBe('complete');
    const question = page.getByTestId('message-user').last();
    expect(await question.textContent()).toContain('<img src=x onerror="window.__xss=1">');
    expect(await lastAnswer().textContent()).toContain('<script>window.__xss=2</script>');
    expect(await page.locator('[data-testid=messages] img').count()).toBe(0);
    expect(await page.locator('[data-testid=messages] script').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(suite.dialogs).toEqual([]);
    expect(suite.cspViolations).toEqual([]);
    await shot('chat-xss-as-text');
  });

  it('switches the interface to Simplified Chinese', async () => {
    await page.getByTestId('language').click({ force: true });
    await page.getByRole('option', { name: '简体中文' }).click();
    await expect.poll(() => page.getByTestId('new-chat').textContent()).toContain('新对话');
    await shot('chat-zh-CN');
  });
});

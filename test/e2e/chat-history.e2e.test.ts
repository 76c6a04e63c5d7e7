/**
 * History search and export/import in a real browser (Chromium via playwright-core) against a
 * real gateway: a conversation made through the page, longer ones through the API and the store;
 * search (English and Chinese) with highlighted results, jumping to a message far up its
 * conversation, exporting JSON (the download captured) and importing it back with its report.
 * Screenshots go to test-artifacts/e2e/history-*.png.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, bearer, type Session } from '../auth/support.js';
import type { TestGateway } from '../support/gateway.js';
import { signIn, startE2eSuite, type E2eSuite } from './browser.js';

let suite: E2eSuite;
let gateway: TestGateway;
let page: Page;
let member: Session;
let downloads: string;
let longId: string;
let quokkaMessageId: string;

const shot = (name: string) => suite.shot(name);

/** A conversation made over the HTTP API, its messages written the way the chat stores them. */
async function seed(title: string, texts: string[]): Promise<{ id: string; messageIds: string[] }> {
  const created = await gateway.runtime.app.inject({
    method: 'POST',
    url: '/api/conversations',
    headers: bearer(member),
    payload: JSON.stringify({ title }),
  });
  expect(created.statusCode, created.body).toBe(201);
  const { id } = JSON.parse(created.body) as { id: string };
  const messageIds: string[] = [];
  const start = Date.parse('2026-02-01T09:00:00.000Z');
  for (const [i, text] of texts.entries()) {
    const messageId = crypto.randomUUID();
    messageIds.push(messageId);
    await gateway.runtime.store.conversations.appendMessage({
      id: messageId,
      conversationId: id,
      role: i % 2 === 0 ? 'user' : 'assistant',
      content: i % 2 === 0 ? { text } : { text, model: 'claude-haiku-4-5', state: 'complete' },
      createdAt: new Date(start + i * 60_000),
    });
  }
  return { id, messageIds };
}

/** Whether the element (the last of those matching) is wholly on screen. */
const inViewport = (selector: string) =>
  page.evaluate(`(() => {
    const box = [...document.querySelectorAll(${JSON.stringify(selector)})].at(-1)?.getBoundingClientRect();
    if (box === undefined) throw new Error('nothing matches the selector');
    return box.top >= 0 && box.bottom <= window.innerHeight;
  })()`);

beforeAll(async () => {
  suite = await startE2eSuite({ name: 'history', viewport: { width: 1280, height: 800 } });
  ({ gateway, page } = suite);
  downloads = mkdtempSync(join(tmpdir(), 'switchyard-e2e-downloads-'));
  member = await api(gateway).userWithRole('member');
  const filler = Array.from({ length: 30 }, (_, i) =>
    i % 2 === 0
      ? `Question ${i}: what about step ${i}?`
      : `Answer ${i}. ${'Some longer text to fill the page. '.repeat(12)}`,
  );
  filler[2] = 'Do quokkas really smile, or is it just the shape of their mouth?';
  const long = await seed('Animal facts', filler);
  longId = long.id;
  quokkaMessageId = long.messageIds[2] as string;
  await seed('缓存设计', [
    '请解释缓存穿透和缓存雪崩的区别',
    '缓存穿透是查询不存在的数据；缓存雪崩是大量缓存同时失效。',
  ]);
});

afterAll(async () => {
  await suite?.close();
  if (downloads) rmSync(downloads, { recursive: true, force: true });
});

describe('chat history in Chromium', () => {
  it('signs in and makes a conversation through the page', async () => {
    await page.goto(gateway.url);
    await signIn(page, member.username);
    await page.getByTestId('new-chat').waitFor();
    await expect.poll(() => page.getByTestId('model-picker').inputValue()).not.toBe('');
    await page.getByTestId('composer-input').fill('Tell me about wombats please [[mock echo]]');
    await page.getByTestId('composer-input').press('Enter');
    await expect
      .poll(() => page.getByTestId('message-assistant').last().getAttribute('data-state'), {
        timeout: 15_000,
      })
      .toBe('complete');
    await expect.poll(() => page.getByTestId('conversation-item').count()).toBe(3);
  });

  it('searches, shows highlighted results, and jumps to the message far up its conversation', async () => {
    await page.getByTestId('history-search').fill('quokkas');
    const result = page.getByTestId('search-result');
    await result.first().waitFor();
    expect(await result.count()).toBe(1);
    expect(await result.first().textContent()).toContain('Animal facts');
    expect(await result.first().locator('mark').allTextContents()).toEqual(['quokkas']);
    await shot('history-search');

    await result.first().click();
    await expect.poll(() => page.url()).toMatch(new RegExp(`/c/${longId}$`));
    const target = `#message-${quokkaMessageId}`;
    await expect.poll(() => page.locator(target).getAttribute('data-focused')).toBe('true');
    await expect.poll(() => inViewport(target)).toBe(true);
    // The last message of that conversation is out of view: the page did scroll to the hit.
    expect(await inViewport('[data-testid^=message-]')).toBe(false);
    await shot('history-jump');
    await expect.poll(() => page.locator(target).getAttribute('data-focused'), { timeout: 5_000 }).toBeNull();
  });

  it('finds Chinese text inside a longer run of characters, and what the page itself stored', async () => {
    await page.getByTestId('history-search').fill('雪崩');
    await expect.poll(() => page.getByTestId('search-result').count()).toBe(2);
    expect(await page.getByTestId('search-result').first().locator('mark').allTextContents()).toContain(
      '雪崩',
    );
    await page.getByTestId('history-search').fill('wombats');
    await expect.poll(() => page.getByTestId('search-result').count()).toBe(2);
    await shot('history-search-zh');
    await page.getByRole('button', { name: 'Clear the search' }).click();
    await page.getByTestId('conversation-item').first().waitFor();
  });

  it('exports a conversation as JSON, imports it back and shows the report and the copy', async () => {
    const item = page.getByTestId('conversation-item').filter({ hasText: 'Animal facts' });
    await item.hover();
    await item.getByLabel('Export').click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-json').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^Animal facts-\d{4}-\d\d-\d\d\.json$/);
    const file = join(downloads, 'animal-facts.json');
    await download.saveAs(file);
    const exported = JSON.parse(readFileSync(file, 'utf8')) as {
      format: string;
      conversations: Array<{ id: string; title: string; messages: Array<{ content: { text: string } }> }>;
    };
    expect(exported.format).toBe('switchyard.conversations');
    expect(exported.conversations.map((c) => [c.id, c.title, c.messages.length])).toEqual([
      [longId, 'Animal facts', 30],
    ]);
    expect(exported.conversations[0]?.messages[2]?.content.text).toContain('quokkas');

    const [all] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-all').click()]);
    expect(all.suggestedFilename()).toMatch(/^switchyard-conversations-\d{4}-\d\d-\d\d\.json$/);

    await page.getByTestId('import-file').setInputFiles(file);
    const report = page.getByTestId('import-report');
    await report.getByTestId('import-summary').waitFor();
    expect(await report.textContent()).toContain('Imported — conversations: 1, messages: 30, files: 0.');
    await shot('history-import-report');
    await page.getByRole('button', { name: 'Close' }).click();
    await expect
      .poll(() => page.getByTestId('conversation-item').filter({ hasText: 'Animal facts' }).count())
      .toBe(2);
    // The copy is a conversation of its own, with the same messages.
    await page.getByTestId('history-search').fill('quokkas');
    await expect.poll(() => page.getByTestId('search-result').count()).toBe(2);
    await shot('history-after-import');
    expect(suite.cspViolations).toEqual([]);
    expect(suite.dialogs).toEqual([]);
  });
});

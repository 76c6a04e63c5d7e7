/**
 * Debian's Chromium driven by playwright-core, launched the way this machine needs (no sandbox,
 * no background networking: the closed network refuses Chromium's own connections), with a fresh
 * profile, recording CSP violations and dismissing dialogs so a test can assert on both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  page: Page;
  close(): Promise<void>;
}

export async function openTestBrowser(options: {
  name: string;
  viewport: { width: number; height: number };
  cspViolations: string[];
  dialogs: string[];
}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), `switchyard-e2e-${options.name}-`));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      locale: 'en-US',
      viewport: options.viewport,
      args: FLAGS,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) options.cspViolations.push(message.text());
  });
  page.on('dialog', (dialog) => {
    options.dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const opened = context;
  return {
    page,
    async close() {
      await opened.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Debian's Chromium driven by playwright-core, launched the way this machine needs (no sandbox,
 * no background networking: the closed network refuses Chromium's own connections), with a fresh
 * profile, recording CSP violations and dismissing dialogs so a test can assert on both; and what
 * every e2e suite starts with (startE2eSuite) and signs in with (signIn).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PASSWORD, startAuthGateway } from '../auth/support.js';
import type { TestGateway, TestGatewayOptions } from '../support/gateway.js';
import { ensureWebBuild } from '../web/ensure-web-build.js';

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

export const E2E_ARTIFACTS = join(process.cwd(), 'test-artifacts', 'e2e');

export interface E2eSuite {
  gateway: TestGateway;
  page: Page;
  cspViolations: string[];
  dialogs: string[];
  /** A full-page screenshot to test-artifacts/e2e/<name>.png. */
  shot(name: string): Promise<Buffer>;
  /** The browser, then the gateway. */
  close(): Promise<void>;
}

/** The web build, a gateway that signs users in, and a fresh browser at the given size. */
export async function startE2eSuite(options: {
  name: string;
  viewport: { width: number; height: number };
  gateway?: TestGatewayOptions;
}): Promise<E2eSuite> {
  ensureWebBuild();
  mkdirSync(E2E_ARTIFACTS, { recursive: true });
  const gateway = await startAuthGateway(options.gateway);
  const cspViolations: string[] = [];
  const dialogs: string[] = [];
  let browser: TestBrowser;
  try {
    browser = await openTestBrowser({
      name: options.name,
      viewport: options.viewport,
      cspViolations,
      dialogs,
    });
  } catch (error) {
    await gateway.close();
    throw error;
  }
  const { page } = browser;
  return {
    gateway,
    page,
    cspViolations,
    dialogs,
    shot: (name) => page.screenshot({ path: join(E2E_ARTIFACTS, `${name}.png`), fullPage: true }),
    async close() {
      await browser.close();
      await gateway.close();
    },
  };
}

/** Fills and submits the sign-in form the page shows, with the test users' password. */
export async function signIn(page: Page, username: string): Promise<void> {
  await page.getByTestId('username').fill(username);
  await page.getByTestId('password').fill(PASSWORD);
  await page.getByTestId('submit').click();
}

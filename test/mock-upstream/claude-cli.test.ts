import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stats, useMockUpstream } from './helpers.js';

/** The real Claude Code CLI (pinned devDependency) pointed at the mock over ANTHROPIC_BASE_URL. */
const CLAUDE = path.resolve(fileURLToPath(import.meta.url), '../../../node_modules/.bin/claude');

describe('Claude Code CLI against the mock upstream', () => {
  const mock = useMockUpstream();
  let home: string;

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'switchyard-claude-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  function claude(prompt: string): Promise<{ code: number; stdout: string }> {
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: home,
      CLAUDE_CONFIG_DIR: path.join(home, 'config'),
      ANTHROPIC_BASE_URL: mock.server.url,
      ANTHROPIC_API_KEY: 'sk-mock-test',
      CLAUDE_CODE_MAX_RETRIES: '0',
      DISABLE_TELEMETRY: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    };
    return new Promise((resolve) => {
      const child = execFile(CLAUDE, ['-p', prompt], { env, cwd: home, timeout: 60_000 }, (error, stdout) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout });
      });
      // `claude -p` waits a while for piped stdin unless it is closed.
      child.stdin?.end();
    });
  }

  it('answers `claude -p hi` with the simulated text', async () => {
    const result = await claude('hi');
    expect(result.stdout).toContain('Hello from the Switchyard mock upstream');
    expect(result.code).toBe(0);
    const seen = await stats(mock.server.url);
    expect(seen.lastHeaders?.['x-api-key']).toBe('sk-mock-test');
    expect(seen.lastHeaders?.['anthropic-beta']).toBeTruthy();
  });

  it('reports a simulated overload as an API error', async () => {
    const result = await claude('hi [[mock status=529]]');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('529');
  });
});

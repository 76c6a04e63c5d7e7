import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';
import { flushUsage, startTestGateway, type TestGateway } from '../support/gateway.js';

const run = promisify(execFile);
const CLAUDE = path.resolve('node_modules/.bin/claude');

/** The real Claude Code CLI (pinned devDependency) as a client: claude → gateway → mock upstream. */
describe('Claude Code through the gateway', () => {
  let upstream: MockUpstreamServer;
  let gateway: TestGateway;
  let home: string;

  beforeAll(async () => {
    upstream = await startMockUpstream();
    gateway = await startTestGateway({
      accounts: [{ kind: 'anthropic_api', name: 'main', apiKey: 'sk-ant-upstream', baseUrl: upstream.url }],
    });
    home = await mkdtemp(path.join(tmpdir(), 'switchyard-claude-'));
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('answers `claude -p` with the upstream text and records the usage', async () => {
    const { stdout } = await run(CLAUDE, ['-p', 'hello'], {
      cwd: home,
      timeout: 60_000,
      // A clean environment: nothing from this machine's own Claude setup can leak in.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
        ANTHROPIC_BASE_URL: gateway.url,
        ANTHROPIC_API_KEY: gateway.key,
        DISABLE_TELEMETRY: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      },
    });
    expect(stdout).toContain('Hello from the Switchyard mock upstream');
    await flushUsage(gateway);
    const rows = await gateway.runtime.store.usage.list();
    const served = rows.filter((r) => r.status === 200 && r.accountId !== null);
    expect(served.length).toBeGreaterThan(0);
    expect(served.every((r) => r.outputTokens > 0)).toBe(true);
    // Claude Code's session header made the conversation sticky; the log line says so.
    expect(gateway.logs.join('')).toMatch(/"path":"\/v1\/messages".*"status":200/);
  });
});

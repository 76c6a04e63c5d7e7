import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINNED_CLAUDE_VERSION } from '../../src/upstreams/claude-cli/binary.js';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';
import { makeDataDir, type CliResult } from '../support/cli.js';

const MASTER_KEY = 'ab'.repeat(32);

/** The `switchyard accounts …` commands for claude_cli accounts, run from source as a person would. */
describe('switchyard accounts commands for claude_cli', () => {
  let upstream: MockUpstreamServer;
  let data: Awaited<ReturnType<typeof makeDataDir>>;

  beforeAll(async () => {
    upstream = await startMockUpstream();
    data = await makeDataDir();
  });
  afterAll(async () => {
    await upstream?.close();
    await data?.remove();
  });

  function run(args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: data.dir,
      SWITCHYARD_DATA_DIR: data.dir,
      SWITCHYARD_MASTER_KEY: MASTER_KEY,
      LOG_LEVEL: 'warn',
      OUTBOUND_ALLOW_PRIVATE: 'true', // the mock upstream is on loopback
      ...extra,
    };
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', path.resolve('src/main.ts'), ...args],
        { env, timeout: 90_000 },
        (error, stdout, stderr) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
        },
      );
    });
  }

  it('adds accounts with an API key, an OAuth token, or neither (to sign in later)', async () => {
    const base = ['accounts', 'add', '--kind', 'claude_cli', '--base-url', upstream.url];
    const key = await run([...base, '--name', 'alice-max', '--api-key-env', 'ALICE_KEY'], {
      ALICE_KEY: 'sk-ant-alice',
    });
    expect(key.stderr).toBe('');
    expect(key.code).toBe(0);
    const token = await run([...base, '--name', 'team-pro', '--oauth-token-env', 'TEAM_TOKEN'], {
      TEAM_TOKEN: 'sk-ant-oat01-team',
    });
    expect(token.code).toBe(0);
    const solo = await run([...base, '--name', 'solo']);
    expect(solo.code).toBe(0);
    expect(solo.stdout).toContain('Sign it in with: switchyard accounts login solo');
    const wrong = await run(
      ['accounts', 'add', '--kind', 'anthropic_api', '--name', 'x', '--oauth-token-env', 'TEAM_TOKEN'],
      {
        TEAM_TOKEN: 't',
      },
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--oauth-token-env is for --kind claude_cli only');
  });

  it('tests an account through the real CLI and reports its version', async () => {
    const alice = await run(['accounts', 'test', 'alice-max']);
    expect(alice.stdout).toContain(`OK alice-max: Claude Code ${PINNED_CLAUDE_VERSION}`);
    expect(alice.stdout).toContain('credential: api_key');
    expect(alice.code).toBe(0);
    const team = await run(['accounts', 'test', 'team-pro']);
    expect(team.stdout).toContain('credential: oauth_token');
    expect(team.code).toBe(0);
    const solo = await run(['accounts', 'test', 'solo']);
    expect(solo.code).toBe(1);
    expect(solo.stdout).toMatch(/FAILED solo: .*Not logged in.*switchyard accounts login/);
  }, 120_000);

  it('`accounts login` hands the terminal to `claude auth login` in the account config dir, with no gateway secrets', async () => {
    const record = path.join(data.dir, 'login-record');
    const fake = path.join(data.dir, 'fake-claude');
    await writeFile(
      fake,
      `#!/bin/sh\necho "$@" > ${record}.args\nenv > ${record}.env\necho fake-login-ran\n`,
    );
    await chmod(fake, 0o755);
    const login = await run(['accounts', 'login', 'solo'], {
      SWITCHYARD_CLAUDE_BIN: fake,
      TERM: 'xterm-test',
    });
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    // stdio is inherited: the CLI's own output reaches the person's terminal.
    expect(login.stdout).toContain('fake-login-ran');
    expect((await readFile(`${record}.args`, 'utf8')).trim()).toBe('auth login');
    const env = await readFile(`${record}.env`, 'utf8');
    expect(env).toMatch(new RegExp(`^CLAUDE_CONFIG_DIR=${data.dir}/claude-cli/[0-9a-f-]{36}/config$`, 'm'));
    expect(env).toContain('TERM=xterm-test');
    expect(env).not.toContain(MASTER_KEY);
    expect(env).not.toContain('SWITCHYARD_');

    const refused = await run(['accounts', 'login', 'alice-max'], { SWITCHYARD_CLAUDE_BIN: fake });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('uses a stored API key or OAuth token');
  });
});

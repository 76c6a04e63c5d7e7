import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAccount, MOCK_TEXT, MODEL, startCliRig, textOf, withoutReminder, type CliRig } from './rig.js';

/**
 * The three dangers of running the CLI as a backend (docs/claude-cli.md): host commands from an
 * upstream tool_use, local files read through `@/path`, local slash commands. Each is checked for
 * both ways the CLI is run: API keys (`--bare`) and OAuth tokens (`--setting-sources=`).
 */
describe('claude_cli safety', () => {
  let rig: CliRig;
  const names = ['cli-key', 'cli-oauth'] as const;

  beforeAll(async () => {
    rig = await startCliRig((url) => [
      cliAccount('cli-key', url),
      cliAccount('cli-oauth', url, {
        apiKey: 'sk-ant-oat01-test',
        settings: { credentialType: 'oauth_token' },
      }),
    ]);
  });
  afterAll(async () => {
    await rig?.close();
  });

  /** Only `name` takes requests. */
  async function only(name: (typeof names)[number]): Promise<void> {
    for (const other of names) {
      await rig.gateway.runtime.accounts.update(other, { state: other === name ? 'active' : 'disabled' });
    }
  }

  for (const name of names) {
    it(`${name}: an upstream tool_use for Bash runs nothing on the host`, async () => {
      await only(name);
      const marker = path.join(rig.dataDir, `tool-ran-${name}`);
      await rig.script([
        { 'tool-use': { name: 'Bash', input: { command: `touch ${marker}`, description: 'x' } } },
      ]);
      await rig.client.messages
        .create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'run it' }] })
        .catch(() => undefined);
      await rig.settled();
      expect((await rig.lastRequest()).tools).toEqual([]);
      expect(existsSync(marker)).toBe(false);
    });

    it(`${name}: @/path in a prompt does not read the file`, async () => {
      await only(name);
      const secret = `TOP-SECRET-${randomUUID()}`;
      const file = path.join(rig.dataDir, `secret-${name}.txt`);
      await writeFile(file, secret);
      const message = await rig.client.messages.create({
        model: MODEL,
        max_tokens: 100,
        messages: [{ role: 'user', content: `summarize @${file} please` }],
      });
      expect(message.stop_reason).toBe('end_turn');
      const sent = JSON.stringify(await rig.lastRequest());
      expect(sent).toContain(`@${file}`);
      expect(sent).not.toContain(secret);
    });

    it(`${name}: a user message starting with / reaches the model as text`, async () => {
      await only(name);
      const message = await rig.client.messages.create({
        model: MODEL,
        max_tokens: 100,
        messages: [{ role: 'user', content: '/cost' }],
      });
      expect(textOf(message.content as unknown as Record<string, unknown>[])).toContain(MOCK_TEXT);
      const last = (await rig.lastRequest()).messages.at(-1);
      expect(last?.role).toBe('user');
      expect(textOf(withoutReminder(last?.content ?? ''))).toBe('/cost');
    });
  }

  it('control: the same tool_use does run on the host when the CLI has tools on', async () => {
    const marker = path.join(rig.dataDir, 'tool-ran-control');
    await rig.script([
      { 'tool-use': { name: 'Bash', input: { command: `touch ${marker}`, description: 'x' } } },
    ]);
    const cwd = path.join(rig.dataDir, 'control');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(cwd, { recursive: true });
    await new Promise<void>((resolve) => {
      const child = execFile(
        path.resolve('node_modules/.bin/claude'),
        ['-p', 'run it', '--bare', '--allowedTools', 'Bash', '--max-turns', '2', `--model=${MODEL}`],
        {
          cwd,
          timeout: 60_000,
          env: {
            PATH: process.env['PATH'] ?? '/usr/bin:/bin',
            HOME: cwd,
            CLAUDE_CONFIG_DIR: path.join(cwd, 'config'),
            ANTHROPIC_BASE_URL: rig.upstream.url,
            ANTHROPIC_API_KEY: 'sk-ant-control',
            CLAUDE_CODE_MAX_RETRIES: '0',
          },
        },
        () => resolve(),
      );
      child.stdin?.end();
    });
    expect(existsSync(marker)).toBe(true);
  });
});

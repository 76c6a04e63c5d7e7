import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, makeDataDir, runCli, startServer, type RunningServer } from '../support/cli.js';

const ask = (url: string, key: string) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'claude-sonnet-4-6',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });

describe('admin commands without a running server (they open the store)', () => {
  let data: Awaited<ReturnType<typeof makeDataDir>>;
  beforeAll(async () => {
    data = await makeDataDir();
  });
  afterAll(() => data.remove());

  it('adds, lists, tests and removes accounts, with errors a person can act on', async () => {
    const env = baseEnv(data.dir, { UPSTREAM_KEY: 'sk-ant-secret-canary' });
    const added = await runCli(
      [
        'accounts',
        'add',
        '--kind',
        'anthropic_api',
        '--name',
        'main',
        '--api-key-env',
        'UPSTREAM_KEY',
        '--priority',
        '5',
      ],
      env,
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Added account main');

    const listed = await runCli(['accounts', 'list', '--json'], env);
    const accounts = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({
      name: 'main',
      kind: 'anthropic_api',
      priority: 5,
      hasCredential: true,
    });
    expect(listed.stdout).not.toContain('sk-ant-secret-canary');

    const duplicate = await runCli(['accounts', 'add', '--kind', 'mock', '--name', 'main'], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/already exists/);

    const missingEnv = await runCli(
      ['accounts', 'add', '--kind', 'anthropic_api', '--name', 'other', '--api-key-env', 'NOT_SET'],
      env,
    );
    expect(missingEnv.code).toBe(2);
    expect(missingEnv.stderr).toContain('NOT_SET is not set');

    const badKind = await runCli(['accounts', 'add', '--kind', 'bogus', '--name', 'x'], env);
    expect(badKind.code).toBe(2);
    expect(badKind.stderr).toContain('--kind must be one of');

    const mock = await runCli(['accounts', 'add', '--kind', 'mock', '--name', 'sim'], env);
    expect(mock.code).toBe(0);
    const tested = await runCli(['accounts', 'test', 'sim'], env);
    expect(tested.stdout).toMatch(/^OK sim/);

    const removed = await runCli(['accounts', 'remove', 'main'], env);
    expect(removed.code).toBe(0);
    const gone = await runCli(['accounts', 'remove', 'main'], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("No account named or with id 'main'");
  });

  it('explains that keys need a first start to create their owner', async () => {
    const created = await runCli(['keys', 'create', '--name', 'early'], baseEnv(data.dir));
    expect(created.code).toBe(1);
    expect(created.stderr).toContain('start the server once first');
    expect(created.stdout).toBe('');
  });
});

describe('admin commands with a running server (they talk to it)', () => {
  let data: Awaited<ReturnType<typeof makeDataDir>>;
  let server: RunningServer;
  beforeAll(async () => {
    data = await makeDataDir();
    server = await startServer(data.dir);
  });
  afterAll(async () => {
    await server?.stop();
    await data.remove();
  });

  it('creates its new embedded database in a short-lived child, so the server never holds initdb memory', async () => {
    // PGlite's initdb grows WebAssembly memory to ~800 MB that a process never returns.
    const status = await readFile(`/proc/${server.process.pid}/status`, 'utf8');
    const peakMb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
    expect(peakMb).toBeGreaterThan(0);
    expect(peakMb).toBeLessThan(400);
  });

  it('prints the first-start admin password and labels the mock demo account', () => {
    expect(server.output()).toMatch(/one-time password: \S{16,}/);
    expect(server.output()).toContain('MOCK demo account');
  });

  it('creates a key that works at once and revokes it at once', async () => {
    const env = baseEnv(data.dir);
    const created = await runCli(['keys', 'create', '--name', 'laptop'], env);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^sk-sy-[A-Za-z0-9_-]{40,}$/);

    const answer = await ask(server.url, key);
    expect(answer.status).toBe(200);

    const listed = await runCli(['keys', 'list', '--json'], env);
    expect(listed.stdout).not.toContain(key);
    expect(JSON.parse(listed.stdout)).toHaveLength(1);

    const revoked = await runCli(['keys', 'revoke', 'laptop'], env);
    expect(revoked.code).toBe(0);
    const refused = await ask(server.url, key);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
  });

  it('lists accounts with live in-flight counts from the server, and /v1/models says they are simulated', async () => {
    const env = baseEnv(data.dir);
    const listed = await runCli(['accounts', 'list'], env);
    expect(listed.stdout).toContain('mock-demo (simulated)');
    expect(listed.stdout).toMatch(/0\/16/);

    const key = (await runCli(['keys', 'create', '--name', 'models'], env)).stdout.trim();
    const models = (await (
      await fetch(`${server.url}/v1/models`, { headers: { 'x-api-key': key } })
    ).json()) as {
      data: Array<{ id: string; display_name: string; simulated?: boolean }>;
    };
    expect(models.data.length).toBeGreaterThan(0);
    for (const model of models.data) {
      expect(model.simulated).toBe(true);
      expect(model.display_name).toContain('(simulated)');
    }
  });

  it('disables and re-enables an account, and the running server follows at once', async () => {
    const env = baseEnv(data.dir);
    const key = (await runCli(['keys', 'create', '--name', 'toggle'], env)).stdout.trim();
    const disabled = await runCli(['accounts', 'disable', 'mock-demo'], env);
    expect(disabled.stdout).toContain('is now disabled');
    const refused = await ask(server.url, key);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('disabled');
    const enabled = await runCli(['accounts', 'enable', 'mock-demo'], env);
    expect(enabled.stdout).toContain('is now active');
    expect((await ask(server.url, key)).status).toBe(200);
  });

  it('refuses a second server on the same data dir with a clear message', async () => {
    const second = await runCli(['start'], baseEnv(data.dir, { PORT: '0' }));
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/Another Switchyard process \(pid \d+\) is using/);
  });
});

describe('first start with ANTHROPIC_API_KEY', () => {
  it('creates an anthropic_api account from it instead of the mock', async () => {
    const data = await makeDataDir();
    const server = await startServer(data.dir, { ANTHROPIC_API_KEY: 'sk-ant-first-start' });
    try {
      const listed = await runCli(['accounts', 'list', '--json'], baseEnv(data.dir));
      const accounts = JSON.parse(listed.stdout) as Array<{ kind: string; simulated: boolean }>;
      expect(accounts).toHaveLength(1);
      expect(accounts[0]).toMatchObject({ kind: 'anthropic_api', simulated: false });
      expect(server.output()).not.toContain('sk-ant-first-start');
    } finally {
      await server.stop();
      await data.remove();
    }
  });
});

/** `switchyard workers …` and `switchyard settings …` through a running server, and settings without one. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, makeDataDir, runCli, startServer, type RunningServer } from '../support/cli.js';

describe('workers and settings commands', () => {
  let data: Awaited<ReturnType<typeof makeDataDir>>;
  let server: RunningServer | undefined;
  beforeAll(async () => {
    data = await makeDataDir();
  });
  afterAll(async () => {
    await server?.stop();
    await data.remove();
  });

  it('lists the embedded server as its one worker and refuses to drain it', async () => {
    server = await startServer(data.dir);
    const env = baseEnv(data.dir);
    const listed = await runCli(['workers', 'list'], env);
    expect(listed.stderr).toBe('');
    expect(listed.stdout).toContain('Embedded mode');
    expect(listed.stdout).toMatch(/^embedded\s+\S+\s+running\s+mock-demo/m);
    const json = JSON.parse((await runCli(['workers', 'list', '--json'], env)).stdout) as { mode: string };
    expect(json.mode).toBe('embedded');
    const drain = await runCli(['workers', 'drain', 'embedded'], env);
    expect(drain.code).toBe(1);
    expect(drain.stderr).toContain('Embedded mode has no separate workers');
  });

  it('sets and gets settings through the server, then from the database once it stopped', async () => {
    const env = baseEnv(data.dir);
    const set = await runCli(['settings', 'set', 'registrationOpen', 'true'], env);
    expect(set.stderr).toBe('');
    expect(JSON.parse(set.stdout)).toMatchObject({ registrationOpen: true });
    const limits = await runCli(['settings', 'set', 'defaultKeyLimits', '{"requestsPerMinute":60}'], env);
    expect(JSON.parse(limits.stdout)).toMatchObject({ defaultKeyLimits: { requestsPerMinute: 60 } });
    const bad = await runCli(['settings', 'set', 'registrationOpen', 'maybe'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('must be JSON');
    const unknown = await runCli(['settings', 'set', 'colour', '"red"'], env);
    expect(unknown.code).toBe(1);

    await server?.stop();
    server = undefined;
    const offline = await runCli(['settings', 'get'], env);
    expect(offline.stderr).toBe('');
    expect(JSON.parse(offline.stdout)).toEqual({
      registrationOpen: true,
      defaultKeyLimits: { requestsPerMinute: 60 },
      anthropicApiOnly: false,
    });
    const changed = await runCli(['settings', 'set', 'anthropicApiOnly', 'true'], env);
    expect(JSON.parse(changed.stdout)).toMatchObject({ anthropicApiOnly: true });
    const workers = await runCli(['workers', 'list'], env);
    expect(workers.code).toBe(1);
    expect(workers.stderr).toContain('No Switchyard server answers');
    // The commands that open the store honour the switch too.
    const mock = await runCli(['accounts', 'add', '--kind', 'mock', '--name', 'another-mock'], env);
    expect(mock.code).toBe(1);
    expect(mock.stderr).toContain('anthropic_api accounts only');
  }, 60_000);
});

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, makeDataDir, runCli, startServer, type RunningServer } from '../support/cli.js';

describe('switchyard backup / restore / rotate-master-key (the built bin)', () => {
  let source: Awaited<ReturnType<typeof makeDataDir>>;
  let target: Awaited<ReturnType<typeof makeDataDir>>;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    source = await makeDataDir();
    target = await makeDataDir();
  });
  afterAll(async () => {
    await server?.stop();
    await source?.remove();
    await target?.remove();
  });

  it('refuses to back up the embedded database while its server runs, saying what to do', async () => {
    server = await startServer(source.dir);
    const refused = await runCli(['backup'], baseEnv(source.dir));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/in use by the running server .*BACKUP_CRON/);
    await server.stop();
    server = undefined;
  });

  it('backs up, restores into a fresh data dir, and rotates the key file', async () => {
    const created = await runCli(['keys', 'create', '--name', 'cli'], baseEnv(source.dir));
    expect(created.code).toBe(0);
    const file = path.join(source.dir, 'out.sybak');
    const env = baseEnv(source.dir, { BACKUP_PASSPHRASE: 'cli test passphrase' });
    const backup = await runCli(['backup', '--out', file, '--encrypt'], env);
    expect(backup.stdout).toMatch(/Backup written to .*out\.sybak: \d+ rows in \d+ tables.*encrypted/);

    const noPassphrase = await runCli(['restore', file], baseEnv(target.dir));
    expect(noPassphrase.code).toBe(1);
    expect(noPassphrase.stderr).toMatch(/encrypted: set BACKUP_PASSPHRASE.*Nothing was changed/);
    const restored = await runCli(
      ['restore', file],
      baseEnv(target.dir, { BACKUP_PASSPHRASE: 'cli test passphrase' }),
    );
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/api_keys\s+1\n/);
    expect(restored.stdout).toMatch(/audit_log\s+[1-9]/);
    // The target has its own (new) master key: the demo account's credential needs the source's.
    const again = await runCli(
      ['restore', file],
      baseEnv(target.dir, { BACKUP_PASSPHRASE: 'cli test passphrase' }),
    );
    expect(again.stderr).toMatch(/not empty.*--force/);

    const rotated = await runCli(['rotate-master-key'], baseEnv(source.dir));
    expect(rotated.code).toBe(0);
    expect(await readdir(source.dir)).toContain('master.key.previous');
    const finished = await runCli(['rotate-master-key', '--finish'], baseEnv(source.dir));
    expect(finished.stderr).toMatch(/master.key.previous was removed/);
    expect(await readdir(source.dir)).not.toContain('master.key.previous');
    const listed = await runCli(['accounts', 'list'], baseEnv(source.dir));
    expect(listed.code).toBe(0);
    expect(listed.stdout + listed.stderr).not.toMatch(/unreadable/i);
  });
});

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseEnv, makeDataDir, runCli, startServer, type RunningServer } from '../support/cli.js';

// Each step starts the built bin (and PGlite) afresh: a few seconds apiece on a busy machine.
describe('switchyard backup / restore / rotate-master-key (the built bin)', { timeout: 240_000 }, () => {
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

  it('backs up the embedded database through its running server, into --out or BACKUP_DIR', async () => {
    const passphrase = { BACKUP_PASSPHRASE: 'server side passphrase' };
    server = await startServer(source.dir, passphrase);
    const out = path.join(source.dir, 'live.sybak');
    // The server's passphrase encrypts: the command line's environment need not hold it.
    const live = await runCli(['backup', '--out', out, '--encrypt'], baseEnv(source.dir));
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    expect(live.stdout).toMatch(
      /Backup written by the running server \(pid \d+\) to .*live\.sybak: \d+ rows in \d+ tables.*encrypted/,
    );
    expect((await stat(out)).size).toBeGreaterThan(0);
    const plain = await runCli(['backup'], baseEnv(source.dir));
    expect(plain.code).toBe(0);
    const archives = (await readdir(path.join(source.dir, 'backups'))).filter((name) =>
      name.endsWith('.sybak'),
    );
    expect(archives).toHaveLength(1);
    // Nothing left behind in BACKUP_DIR by the moved archive or the temp files.
    expect(await readdir(path.join(source.dir, 'backups'))).toEqual(archives);
    const { url, token } = JSON.parse(await readFile(path.join(source.dir, 'server.json'), 'utf8')) as {
      url: string;
      token: string;
    };
    const audit = (await (
      await fetch(`${url}/api/admin/audit?limit=100`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { data: { action: string; details: { encrypted?: boolean } }[] };
    const entries = audit.data.filter((entry) => entry.action === 'backup.create');
    expect(entries.map((entry) => entry.details.encrypted).sort()).toEqual([false, true]);
    await server.stop();
    server = undefined;

    server = await startServer(source.dir);
    const noPassphrase = await runCli(['backup', '--encrypt'], baseEnv(source.dir, passphrase));
    expect(noPassphrase.code).toBe(1);
    expect(noPassphrase.stderr).toMatch(/need BACKUP_PASSPHRASE set on the server/);
    await server.stop();
    server = undefined;

    const fresh = await makeDataDir();
    const restored = await runCli(['restore', out], baseEnv(fresh.dir, passphrase)).finally(() =>
      fresh.remove(),
    );
    expect(restored.stderr).not.toMatch(/Nothing was changed/);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/every table's rows and checksum match/);
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

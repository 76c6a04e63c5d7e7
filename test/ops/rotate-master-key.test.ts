import { randomBytes, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resealCredentials } from '../../src/backup/reseal-credentials.js';
import { loadConfig } from '../../src/config/index.js';
import {
  installNewKeyFile,
  previousKeyFileOf,
  removePreviousKeyFile,
  resolveMasterKey,
  secretBoxOf,
} from '../../src/identity/master-key.js';
import { SecretBox } from '../../src/identity/secret-box.js';
import { createLogger } from '../../src/observability/logger.js';
import { createRuntime } from '../../src/runtime.js';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';
import { freshStore, scratchDir, type TestStore } from './support.js';

const CANARY = `sk-ant-canary-${randomBytes(6).toString('hex')}`;

describe('rotate-master-key', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let db: TestStore;
  let upstream: MockUpstreamServer;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  const ids: string[] = [];

  beforeAll(async () => {
    scratch = await scratchDir();
    upstream = await startMockUpstream({ behavior: { expectedApiKey: CANARY } });
    db = await freshStore('postgres');
    const old = new SecretBox(oldKey);
    for (let i = 0; i < 5; i++) {
      const id = randomUUID();
      ids.push(id);
      await db.store.accounts.insert({
        id,
        name: `account-${i}`,
        kind: 'anthropic_api',
        baseUrl: upstream.url,
        encryptedCredential: old.seal(CANARY, id),
        maxConcurrency: 2,
        priority: 0,
        weight: 1,
        models: null,
        settings: {},
      });
    }
  });
  afterAll(async () => {
    await db?.close();
    await upstream?.close();
    await scratch?.remove();
  });

  const envelopes = async () => (await db.store.accounts.list()).map((a) => a.encryptedCredential as string);
  const opensAll = async (box: SecretBox) =>
    (await db.store.accounts.list()).every((a) => {
      try {
        return box.open(a.encryptedCredential as string, a.id) === CANARY;
      } catch {
        return false;
      }
    });

  it('keeps credentials readable before, during (mixed envelopes) and after', async () => {
    const rotating = new SecretBox({ current: newKey, previous: [oldKey] });
    expect(await opensAll(new SecretBox(oldKey))).toBe(true);
    // A process already on the new key updates two accounts while the rotation has not run yet.
    for (const id of ids.slice(0, 2)) {
      await db.store.accounts.update(id, { encryptedCredential: rotating.seal(CANARY, id) });
    }
    expect((await envelopes()).filter((e) => rotating.isCurrent(e))).toHaveLength(2);
    expect(await opensAll(rotating)).toBe(true);
    expect(await opensAll(new SecretBox(oldKey))).toBe(false);

    const report = await resealCredentials(db.store, rotating, 2);
    expect(report).toEqual({ resealed: 3, current: 2, raced: 0, unreadable: 0 });
    expect((await envelopes()).every((e) => rotating.isCurrent(e))).toBe(true);
    expect(await opensAll(new SecretBox(newKey))).toBe(true);
    // The old key alone no longer opens any rotated envelope.
    for (const account of await db.store.accounts.list()) {
      expect(() => new SecretBox(oldKey).open(account.encryptedCredential as string, account.id)).toThrow();
    }
    expect((await envelopes()).join()).not.toContain(CANARY);
  });

  it('a gateway started with only the new key serves requests', async () => {
    const config = loadConfig({
      PORT: '0',
      LOG_LEVEL: 'silent',
      SWITCHYARD_DATA_DIR: scratch.dir,
      OUTBOUND_ALLOW_PRIVATE: 'true',
    });
    const runtime = await createRuntime(config, db.store, newKey, createLogger({ level: 'silent' }));
    try {
      await runtime.app.listen({ port: 0, host: '127.0.0.1' });
      const address = runtime.app.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const { secret } = await runtime.apiKeys.create({ name: 'after-rotation' });
      const response = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': secret,
          'anthropic-version': '2023-06-01',
        },
        body: JSON.stringify({
          model: 'claude-sonnet-4-5',
          max_tokens: 16,
          messages: [{ role: 'user', content: 'hi' }],
        }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { type: string }).type).toBe('message');
    } finally {
      await runtime.stop();
    }
  });

  it('rotates a key file atomically and a running process follows without a restart', async () => {
    const dataDir = path.join(scratch.dir, 'keyfile');
    const initial = await resolveMasterKey(undefined, dataDir);
    const running = secretBoxOf(initial, dataDir);
    const sealedBefore = running.seal('before', 'x');
    await installNewKeyFile(dataDir, newKey);
    expect((await stat(path.join(dataDir, 'master.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(previousKeyFileOf(dataDir))).mode & 0o777).toBe(0o600);
    const after = await resolveMasterKey(undefined, dataDir);
    expect(after.key.equals(newKey)).toBe(true);
    expect(after.previous[0]?.equals(initial.key)).toBe(true);
    // Another process sealed under the new key: the running one re-reads the files and opens it.
    const sealedAfter = secretBoxOf(after, dataDir).seal('after', 'x');
    expect(running.open(sealedAfter, 'x')).toBe('after');
    expect(running.open(sealedBefore, 'x')).toBe('before');
    await expect(installNewKeyFile(dataDir, randomBytes(32))).rejects.toThrow(/finish the earlier rotation/);
    expect(await removePreviousKeyFile(dataDir)).toBe(true);
    expect((await readFile(path.join(dataDir, 'master.key'), 'utf8')).trim()).toBe(newKey.toString('hex'));
  });
});

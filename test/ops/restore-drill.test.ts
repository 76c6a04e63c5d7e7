import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup } from '../../src/backup/backup.js';
import { restoreBackup } from '../../src/backup/restore.js';
import { ApiKeyAuthenticator } from '../../src/identity/api-key-authenticator.js';
import { SecretBox } from '../../src/identity/secret-box.js';
import { createLogger } from '../../src/observability/logger.js';
import { fillStore, type Filled } from './fill.js';
import { digestsOf, freshStore, scratchDir, tryDeleteAudit, type Kind, type TestStore } from './support.js';

const silent = createLogger({ level: 'silent' });

describe.each<[Kind, Kind[]]>([
  ['pglite', ['pglite', 'postgres']],
  ['postgres', ['pglite', 'postgres']],
])('restore drill: %s source', (sourceKind, targetKinds) => {
  const box = new SecretBox(randomBytes(32));
  let source: TestStore;
  let filled: Filled;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let archive: string;

  beforeAll(async () => {
    scratch = await scratchDir();
    source = await freshStore(sourceKind);
    filled = await fillStore(source.store, box, 2_500);
    archive = path.join(scratch.dir, 'drill.sybak');
    const result = await createBackup(source.store, archive);
    expect(result?.rows).toBeGreaterThan(2_500);
  });
  afterAll(async () => {
    await source?.close();
    await scratch?.remove();
  });

  it('fills every table, so the drill covers each one', async () => {
    const digests = await digestsOf(source.store);
    expect(digests.length).toBeGreaterThanOrEqual(11);
    expect(digests.filter((d) => d.rows === 0).map((d) => d.name)).toEqual([]);
  });

  it.each(targetKinds)('restores into a fresh %s database with identical rows', async (targetKind) => {
    const target = await freshStore(targetKind, false);
    try {
      const result = await restoreBackup(target.store, archive);
      expect(result.manifest.source.kind).toBe(sourceKind);
      expect(await digestsOf(target.store)).toEqual(await digestsOf(source.store));

      const authenticator = new ApiKeyAuthenticator(target.store.apiKeys, silent, 0);
      const principal = await authenticator.authenticate(filled.apiKeySecret);
      expect(principal.apiKeyId).toBeDefined();
      const account = await target.store.accounts.get(filled.accountId);
      expect(box.open(account?.encryptedCredential ?? '', filled.accountId)).toBe(filled.credential);

      const refused = await tryDeleteAudit(target.store);
      expect(String(refused)).toMatch(/append-only/);
      expect((await target.store.audit.list()).length).toBe(1);
    } finally {
      await target.close();
    }
  });
});

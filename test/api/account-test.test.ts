import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/identity/secret-box.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

/** An account sealed under another master key: `accounts test` says so, rather than failing with a 500. */
describe('accounts test with an unreadable credential', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway?.close());

  it('answers with a clear failure through the admin API', async () => {
    const id = randomUUID();
    await gateway.runtime.store.accounts.insert({
      id,
      name: 'copied',
      kind: 'anthropic_api',
      baseUrl: 'http://127.0.0.1:1',
      encryptedCredential: new SecretBox(randomBytes(32)).seal('sk-ant-x', id),
      maxConcurrency: 1,
      priority: 10,
      weight: 1,
      models: null,
      settings: {},
    });
    const response = await gateway.runtime.app.inject({
      method: 'POST',
      url: '/api/admin/accounts/copied/test',
      headers: { authorization: `Bearer ${gateway.runtime.adminToken}` },
    });
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({
      ok: false,
      detail: expect.stringContaining('cannot be decrypted'),
    });
  });
});

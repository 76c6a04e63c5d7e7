import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { accountRecord } from '../../test/support/scheduler-fixtures.js';
import { SecretBox } from './secret-box.js';
import { upstreamAccountOf } from './upstream-account.js';

describe('upstreamAccountOf', () => {
  const box = new SecretBox(randomBytes(32));

  it('decrypts the credential bound to its own record', () => {
    const record = accountRecord({ kind: 'anthropic_api' });
    record.encryptedCredential = box.seal('sk-ant-1', record.id);
    expect(upstreamAccountOf(record, box)).toMatchObject({
      account: { credential: 'sk-ant-1' },
      unreadable: false,
    });
  });

  it('reports a credential this key cannot open instead of throwing', () => {
    const record = accountRecord({ kind: 'anthropic_api' });
    record.encryptedCredential = new SecretBox(randomBytes(32)).seal('sk-ant-1', record.id);
    expect(upstreamAccountOf(record, box)).toMatchObject({ account: { credential: null }, unreadable: true });
  });

  it('gives no credential to accounts without one', () => {
    expect(upstreamAccountOf(accountRecord(), box)).toMatchObject({
      account: { credential: null },
      unreadable: false,
    });
  });
});

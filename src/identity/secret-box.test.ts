import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCipheriv } from 'node:crypto';
import { keyIdOf, SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never contains the plaintext', () => {
    const sealed = box.seal('sk-ant-very-secret', 'account-1');
    expect(sealed).not.toContain('sk-ant-very-secret');
    expect(sealed.startsWith(`v2:${box.keyId}:`)).toBe(true);
    expect(box.open(sealed, 'account-1')).toBe('sk-ant-very-secret');
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('same', 'a')).not.toBe(box.seal('same', 'a'));
  });

  it('refuses a ciphertext moved to another record, tampered with, or opened with another key', () => {
    const sealed = box.seal('secret', 'account-1');
    expect(() => box.open(sealed, 'account-2')).toThrow();
    const parts = sealed.split(':');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => box.open(parts.join(':'), 'account-1')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'account-1')).toThrow();
    expect(() => box.open('garbage', 'account-1')).toThrow(/Unrecognised/);
  });

  it('requires a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow();
  });

  it('opens v1 envelopes (written before envelopes named their key) with any key it holds', () => {
    const old = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', old, iv);
    cipher.setAAD(Buffer.from('account-1'));
    const ciphertext = Buffer.concat([cipher.update('legacy', 'utf8'), cipher.final()]);
    const v1 = ['v1', iv, cipher.getAuthTag(), ciphertext]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join(':');
    expect(new SecretBox({ current: randomBytes(32), previous: [old] }).open(v1, 'account-1')).toBe('legacy');
    expect(new SecretBox(old).isCurrent(v1)).toBe(false);
    expect(() => new SecretBox(randomBytes(32)).open(v1, 'account-1')).toThrow();
  });

  it('during a rotation reads under both keys, writes under the new one only', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = new SecretBox(oldKey).seal('secret', 'a');
    const rotating = new SecretBox({ current: newKey, previous: [oldKey] });
    expect(rotating.open(before, 'a')).toBe('secret');
    const after = rotating.seal('secret', 'a');
    expect(after.startsWith(`v2:${keyIdOf(newKey)}:`)).toBe(true);
    expect(new SecretBox(newKey).open(after, 'a')).toBe('secret');
    expect(() => new SecretBox(oldKey).open(after, 'a')).toThrow(/does not hold/);
  });

  it('re-reads its keys once when an envelope names an unknown key, and adopts the new one', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    let calls = 0;
    const box = new SecretBox(oldKey, () => {
      calls += 1;
      return { current: newKey, previous: [oldKey] };
    });
    const sealedElsewhere = new SecretBox(newKey).seal('rotated', 'a');
    expect(box.open(sealedElsewhere, 'a')).toBe('rotated');
    expect(calls).toBe(1);
    expect(box.keyId).toBe(keyIdOf(newKey));
  });
});

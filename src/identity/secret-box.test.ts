import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips and never contains the plaintext', () => {
    const sealed = box.seal('sk-ant-very-secret', 'account-1');
    expect(sealed).not.toContain('sk-ant-very-secret');
    expect(sealed.startsWith('v1:')).toBe(true);
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
});

import { describe, expect, it } from 'vitest';
import { generateApiKeySecret, hashApiKeySecret, looksLikeApiKey } from './api-key-secret.js';

describe('API key secrets', () => {
  it('look like sk-sy-…, are unique, and are stored only as a hash', () => {
    const a = generateApiKeySecret();
    const b = generateApiKeySecret();
    expect(a.secret).toMatch(/^sk-sy-[A-Za-z0-9_-]{43}$/);
    expect(a.secret).not.toBe(b.secret);
    expect(a.hash).toBe(hashApiKeySecret(a.secret));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.secret.startsWith(a.prefix)).toBe(true);
    expect(a.prefix.length).toBeLessThan(16);
  });

  it('rejects what cannot be a key before any lookup', () => {
    expect(looksLikeApiKey('sk-sy-abc')).toBe(true);
    expect(looksLikeApiKey('sk-ant-abc')).toBe(false);
    expect(looksLikeApiKey('sk-sy-')).toBe(false);
    expect(looksLikeApiKey(`sk-sy-${'x'.repeat(200)}`)).toBe(false);
  });
});

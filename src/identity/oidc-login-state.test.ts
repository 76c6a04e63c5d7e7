import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OidcLoginStateBox, type OidcLoginState } from './oidc-login-state.js';
import { SecretBox } from './secret-box.js';

const masterKey = randomBytes(32);
const state: OidcLoginState = {
  state: 'state-0123456789abcdef',
  nonce: 'nonce-0123456789abcdef',
  codeVerifier: 'v'.repeat(43),
  expiresAt: Date.now() + 60_000,
};

describe('OidcLoginStateBox', () => {
  it('opens what it sealed, and nothing readable is in the sealed text', () => {
    const box = new OidcLoginStateBox(masterKey);
    const sealed = box.seal(state);
    expect(box.open(sealed)).toEqual(state);
    expect(sealed).not.toContain(state.nonce);
    expect(sealed).not.toContain(state.codeVerifier);
  });

  it('refuses expired, tampered, foreign-key and malformed values', () => {
    const box = new OidcLoginStateBox(masterKey);
    const sealed = box.seal(state);
    expect(box.open(sealed, state.expiresAt)).toBeUndefined();
    // The first character of the GCM tag: all six of its bits count, so the tag changes.
    const parts = sealed.split(':');
    parts[2] = `${parts[2]?.startsWith('A') ? 'B' : 'A'}${parts[2]?.slice(1) ?? ''}`;
    expect(box.open(parts.join(':'))).toBeUndefined();
    expect(new OidcLoginStateBox(randomBytes(32)).open(sealed)).toBeUndefined();
    expect(box.open(undefined)).toBeUndefined();
    expect(box.open('')).toBeUndefined();
    expect(box.open('v1:x:y:z')).toBeUndefined();
    expect(box.open('a'.repeat(5000))).toBeUndefined();
  });

  it('does not open a value sealed with the master key itself (keys are derived per purpose)', () => {
    const raw = new SecretBox(masterKey).seal(JSON.stringify(state), 'oidc-login-state');
    expect(new OidcLoginStateBox(masterKey).open(raw)).toBeUndefined();
  });

  it('refuses well-sealed content of the wrong shape', () => {
    const box = new OidcLoginStateBox(masterKey);
    const { codeVerifier: _verifier, ...partial } = state;
    expect(box.open(box.seal(partial as OidcLoginState))).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import type { OidcRoleMapping } from '../config/oidc.js';
import { claimAt, disambiguatedUsername, roleFromClaims, usernameFromClaims } from './oidc-claims.js';

const MAP: OidcRoleMapping[] = [
  { value: 'sy-viewers', role: 'viewer' },
  { value: 'sy-admins', role: 'admin' },
  { value: 'sy-ops', role: 'operator' },
  { value: '*', role: 'member' },
];

describe('roleFromClaims', () => {
  it('takes the highest mapped role, whatever the order of values or mappings', () => {
    expect(roleFromClaims({ groups: ['sy-ops', 'sy-admins', 'x'] }, 'groups', MAP)).toBe('admin');
    expect(roleFromClaims({ groups: ['sy-viewers', 'sy-ops'] }, 'groups', MAP)).toBe('operator');
  });

  it('uses `*` only when nothing matches, even if `*` ranks above a match', () => {
    expect(roleFromClaims({ groups: ['sy-viewers'] }, 'groups', MAP)).toBe('viewer');
    expect(roleFromClaims({ groups: ['other'] }, 'groups', MAP)).toBe('member');
    expect(roleFromClaims({}, 'groups', MAP)).toBe('member');
  });

  it('refuses (undefined) without a `*` mapping and no match', () => {
    const strict = MAP.filter((m) => m.value !== '*');
    expect(roleFromClaims({ groups: ['other'] }, 'groups', strict)).toBeUndefined();
    expect(roleFromClaims({ groups: 'sy-admins' }, 'groups', strict)).toBe('admin');
  });

  it('matches exactly: no case folding, no substrings, non-strings ignored', () => {
    const strict = MAP.filter((m) => m.value !== '*');
    for (const groups of [['SY-ADMINS'], ['sy-admins-old'], [{ name: 'sy-admins' }], 42, null]) {
      expect(roleFromClaims({ groups }, 'groups', strict)).toBeUndefined();
    }
  });

  it('reads dotted paths (Keycloak realm_access.roles) and namespaced claims whole', () => {
    const strict = MAP.filter((m) => m.value !== '*');
    expect(roleFromClaims({ realm_access: { roles: ['sy-ops'] } }, 'realm_access.roles', strict)).toBe(
      'operator',
    );
    expect(claimAt({ 'https://x.example/roles': ['a'] }, 'https://x.example/roles')).toEqual(['a']);
    expect(claimAt({ a: ['x'] }, 'a.length')).toBeUndefined();
    expect(claimAt({}, '__proto__.polluted')).toBeUndefined();
  });
});

describe('usernameFromClaims', () => {
  it('prefers preferred_username, then email, then sub; lower-cased and cleaned', () => {
    expect(
      usernameFromClaims({ sub: 's1', preferred_username: 'Ada Lovelace', email: 'a@x.io' }, undefined),
    ).toBe('ada-lovelace');
    expect(usernameFromClaims({ sub: 's1', email: 'Ada@X.io' }, undefined)).toBe('ada@x.io');
    expect(usernameFromClaims({ sub: '0123-abcd' }, undefined)).toBe('0123-abcd');
  });

  it('uses the configured claim, falling back to sub, then to a hash when nothing is usable', () => {
    expect(usernameFromClaims({ sub: 's-123', upn: 'Ada@corp' }, 'upn')).toBe('ada@corp');
    expect(usernameFromClaims({ sub: 's-123' }, 'upn')).toBe('s-123');
    expect(usernameFromClaims({ sub: '!' }, undefined)).toMatch(/^sso-[0-9a-f]{8}$/);
  });

  it('disambiguates with a suffix stable for the link and different per link', () => {
    const a = disambiguatedUsername('ada', 'https://idp', 'sub-1');
    expect(a).toMatch(/^ada-[0-9a-f]{8}$/);
    expect(disambiguatedUsername('ada', 'https://idp', 'sub-1')).toBe(a);
    expect(disambiguatedUsername('ada', 'https://idp', 'sub-2')).not.toBe(a);
    expect(disambiguatedUsername('x'.repeat(64), 'i', 's')).toHaveLength(64);
  });
});

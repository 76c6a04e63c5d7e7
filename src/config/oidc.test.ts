import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.js';
import { parseRoleMap } from './oidc.js';

const COMPLETE = {
  OIDC_ISSUER_URL: 'https://idp.example.com/realms/main',
  OIDC_CLIENT_ID: 'switchyard',
  OIDC_CLIENT_SECRET: 'very-secret-client-value',
  OIDC_REDIRECT_URL: 'https://switchyard.example.com/api/auth/oidc/callback',
  OIDC_ROLE_CLAIM: 'groups',
  OIDC_ROLE_MAP: 'sy-admins=admin, sy-ops=operator, *=member',
};

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('OIDC configuration', () => {
  it('is off when no OIDC_* variable is set', () => {
    expect(loadConfig({}).auth.oidc).toBeUndefined();
  });

  it('reads a complete setup, with defaults for scopes, username claim and post-login URL', () => {
    const oidc = loadConfig(COMPLETE).auth.oidc;
    expect(oidc).toMatchObject({
      issuerUrl: COMPLETE.OIDC_ISSUER_URL,
      clientSecret: COMPLETE.OIDC_CLIENT_SECRET,
      scopes: 'openid profile email',
      usernameClaim: undefined,
      postLoginUrl: 'https://switchyard.example.com/',
      displayName: 'Single sign-on',
      allowInsecureIssuer: false,
      roleMap: [
        { value: 'sy-admins', role: 'admin' },
        { value: 'sy-ops', role: 'operator' },
        { value: '*', role: 'member' },
      ],
    });
  });

  it('allows a public client (no secret)', () => {
    const { OIDC_CLIENT_SECRET: _secret, ...publicClient } = COMPLETE;
    expect(loadConfig(publicClient).auth.oidc?.clientSecret).toBeUndefined();
  });

  it.each([
    ['OIDC_ISSUER_URL', { OIDC_CLIENT_ID: 'x' }],
    ['OIDC_CLIENT_ID', { ...COMPLETE, OIDC_CLIENT_ID: '' }],
    ['OIDC_REDIRECT_URL', { ...COMPLETE, OIDC_REDIRECT_URL: '' }],
    ['OIDC_ROLE_MAP', { ...COMPLETE, OIDC_ROLE_MAP: '' }],
    ['OIDC_ISSUER_URL', { ...COMPLETE, OIDC_ISSUER_URL: 'http://idp.example.com' }],
    ['OIDC_ISSUER_URL', { ...COMPLETE, OIDC_ISSUER_URL: 'ftp://idp.example.com' }],
    ['OIDC_REDIRECT_URL', { ...COMPLETE, OIDC_REDIRECT_URL: 'https://switchyard.example.com/elsewhere' }],
    ['OIDC_REDIRECT_URL', { ...COMPLETE, OIDC_REDIRECT_URL: 'http://sy.example.com/api/auth/oidc/callback' }],
    ['OIDC_ROLE_MAP', { ...COMPLETE, OIDC_ROLE_MAP: 'sy-admins=root' }],
    ['OIDC_ROLE_CLAIM', { ...COMPLETE, OIDC_ROLE_CLAIM: '' }],
    ['OIDC_SCOPES', { ...COMPLETE, OIDC_SCOPES: 'profile email' }],
  ])('names %s when it is missing or wrong', (variable, env) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message).toContain(variable);
  });

  it('accepts plain HTTP only for a provider on this machine', () => {
    const local = { ...COMPLETE, OIDC_ISSUER_URL: 'http://127.0.0.1:8080' };
    expect(loadConfig(local).auth.oidc?.allowInsecureIssuer).toBe(true);
  });

  it('maps only `*` without a role claim', () => {
    const { OIDC_ROLE_CLAIM: _claim, ...noClaim } = COMPLETE;
    expect(loadConfig({ ...noClaim, OIDC_ROLE_MAP: '*=viewer' }).auth.oidc?.roleMap).toEqual([
      { value: '*', role: 'viewer' },
    ]);
  });

  it('never echoes the client secret', () => {
    const error = configError({ ...COMPLETE, OIDC_ISSUER_URL: '', OIDC_CLIENT_SECRET: 'leaky-secret' });
    expect(error.message).not.toContain('leaky-secret');
  });
});

describe('parseRoleMap', () => {
  it('splits on the last "=", so a value may contain one', () => {
    expect(parseRoleMap('team=a=operator')).toEqual([{ value: 'team=a', role: 'operator' }]);
  });

  it.each([
    ['=admin', /without a value/],
    ['x=admin,x=member', /twice/],
    [' , ', /no entries/],
    ['admins', /without a value/],
  ])('refuses %j', (text, message) => {
    expect(parseRoleMap(text)).toMatch(message);
  });
});

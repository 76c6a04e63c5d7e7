/**
 * Single sign-on against a real OpenID Connect provider started here: the full authorization
 * code + PKCE flow over HTTP, role mapping from the groups claim, and the ways a callback is
 * refused (tampered state, replayed or swapped code, disabled user, no role).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../support/gateway.js';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  CookieJar,
  POST_LOGIN_URL,
  REDIRECT_URL,
  startTestProvider,
  throughProvider,
  type ProviderLeg,
  type TestProvider,
} from './oidc-provider.js';
import { api, expectError, PASSWORD, startAuthGateway, type Injected } from './support.js';

const STATE_COOKIE = '__Secure-sy-oidc';
const REFRESH_COOKIE = '__Secure-sy-refresh';

const ssoEnv = (provider: TestProvider, roleMap: string) => ({
  OIDC_ISSUER_URL: provider.issuer,
  OIDC_CLIENT_ID: CLIENT_ID,
  OIDC_CLIENT_SECRET: CLIENT_SECRET,
  OIDC_REDIRECT_URL: REDIRECT_URL,
  OIDC_POST_LOGIN_URL: POST_LOGIN_URL,
  OIDC_ROLE_CLAIM: 'groups',
  OIDC_ROLE_MAP: roleMap,
  OIDC_DISPLAY_NAME: 'Test IdP',
});

/** Every authorization code the provider handed out here, to look for in logs and the audit log. */
const codesSeen: string[] = [];

/** The browser arriving at the gateway's callback with the cookies it holds. */
async function callback(gateway: TestGateway, leg: ProviderLeg, url: URL = leg.callback): Promise<Response> {
  const code = url.searchParams.get('code');
  if (code) codesSeen.push(code);
  const response = await fetch(`${gateway.url}${url.pathname}${url.search}`, {
    redirect: 'manual',
    headers: { cookie: leg.gatewayJar.header() },
  });
  leg.gatewayJar.take(response);
  return response;
}

async function errorOf(response: Response): Promise<{ type: string; message: string }> {
  const body = (await response.json()) as { type: string; error: { type: string; message: string } };
  expect(body.type).toBe('error');
  return body.error;
}

describe('single sign-on (OpenID Connect)', () => {
  let provider: TestProvider;
  let gateway: TestGateway;
  let client: ReturnType<typeof api>;
  beforeAll(async () => {
    provider = await startTestProvider();
    gateway = await startAuthGateway({ env: ssoEnv(provider, 'sy-admins=admin,sy-ops=operator,*=member') });
    client = api(gateway);
  });
  afterAll(async () => {
    await gateway?.close();
    await provider?.close();
  });

  const audit = (action: string) => gateway.runtime.store.audit.list({ action, limit: 50 });

  /** A whole sign-in: provider, callback, then the web app's refresh and /api/auth/me. */
  async function signIn(accountId: string) {
    const leg = await throughProvider(gateway.url, accountId);
    const landed = await callback(gateway, leg);
    expect(landed.status, await landed.clone().text()).toBe(303);
    const refreshed = (await client.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { 'x-switchyard-csrf': '1' }, // the web app's same-site fetch (docs/security.md, CSRF)
      cookies: { [REFRESH_COOKIE]: leg.gatewayJar.get(REFRESH_COOKIE) ?? '' },
    })) as Injected;
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    const { access_token: accessToken } = JSON.parse(refreshed.body) as { access_token: string };
    const me = await client.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(me.statusCode, me.body).toBe(200);
    return { leg, landed, me: JSON.parse(me.body) as { id: string; username: string; role: string } };
  }

  it('tells the web app SSO is on, and by what name', async () => {
    const response = await client.inject({ method: 'GET', url: '/api/auth/providers' });
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      password: true,
      oidc: { enabled: true, name: 'Test IdP', login_url: '/api/auth/oidc/login' },
    });
  });

  it('redirects to the provider with PKCE S256, state and nonce, keeping them in a sealed cookie', async () => {
    const response = await fetch(`${gateway.url}/api/auth/oidc/login`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const target = new URL(response.headers.get('location') ?? '');
    expect(target.origin).toBe(provider.issuer);
    const params = target.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(CLIENT_ID);
    expect(params.get('redirect_uri')).toBe(REDIRECT_URL);
    expect(params.get('scope')).toBe('openid profile email');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.has('client_secret')).toBe(false);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${STATE_COOKIE}=`)) ?? '';
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\/api\/auth\/oidc\/callback/);
    expect(cookie).toMatch(/; Max-Age=600/);
    // Sealed: neither the state nor the nonce can be read from it.
    expect(cookie).not.toContain(params.get('state'));
    expect(cookie).not.toContain(params.get('nonce'));
  });

  it('signs a new user in: admin group → admin, a refresh cookie and no token in any URL', async () => {
    provider.accounts.set('alice-sub', { preferred_username: 'Alice', groups: ['sy-admins', 'staff'] });
    const { leg, landed, me } = await signIn('alice-sub');
    expect(me).toMatchObject({ username: 'alice', role: 'admin', mustChangePassword: false });
    expect(landed.headers.get('location')).toBe(POST_LOGIN_URL);
    expect(landed.headers.get('cache-control')).toBe('no-store');
    expect(landed.headers.get('referrer-policy')).toBe('no-referrer');
    const refresh = landed.headers.getSetCookie().find((c) => c.startsWith(`${REFRESH_COOKIE}=`)) ?? '';
    expect(refresh).toMatch(/; HttpOnly/i);
    expect(refresh).toMatch(/; SameSite=Strict/i);
    expect(refresh).toMatch(/; Path=\/api\/auth(;|$)/);
    // The login state is spent with the callback.
    expect(leg.gatewayJar.get(STATE_COOKIE)).toBeUndefined();
    const created = (await audit('user.create')).find((e) => e.targetId === me.id);
    expect(created?.details).toMatchObject({ username: 'alice', role: 'admin', source: 'oidc' });
    const login = (await audit('auth.login')).find((e) => e.targetId === me.id);
    expect(login).toMatchObject({ actorType: 'user', actorId: me.id, details: { method: 'oidc' } });
  });

  it('maps no matching group to the `*` role, and updates the role from the claim at every sign-in', async () => {
    provider.accounts.set('bob-sub', { email: 'bob@example.com' });
    const first = await signIn('bob-sub');
    expect(first.me).toMatchObject({ username: 'bob@example.com', role: 'member' });

    provider.accounts.set('bob-sub', { email: 'bob@example.com', groups: ['sy-ops'] });
    const second = await signIn('bob-sub');
    expect(second.me).toMatchObject({ id: first.me.id, role: 'operator' });

    // Two mapped groups: the higher role wins.
    provider.accounts.set('bob-sub', { email: 'bob@example.com', groups: ['sy-ops', 'sy-admins'] });
    expect((await signIn('bob-sub')).me).toMatchObject({ id: first.me.id, role: 'admin' });

    provider.accounts.set('bob-sub', { email: 'bob@example.com', groups: [] });
    expect((await signIn('bob-sub')).me).toMatchObject({ id: first.me.id, role: 'member' });

    const changes = (await audit('user.role_change')).filter((e) => e.targetId === first.me.id);
    expect(changes.map((e) => e.details).reverse()).toEqual([
      { from: 'member', to: 'operator', source: 'oidc' },
      { from: 'operator', to: 'admin', source: 'oidc' },
      { from: 'admin', to: 'member', source: 'oidc' },
    ]);
    expect(changes.every((e) => e.actorType === 'system')).toBe(true);
  });

  it('refuses a tampered state with a 400 and an audit row, and a tampered cookie likewise', async () => {
    provider.accounts.set('mallory-sub', { preferred_username: 'mallory', groups: ['sy-admins'] });
    const before = (await audit('auth.login_failed')).length;
    const leg = await throughProvider(gateway.url, 'mallory-sub');
    const tampered = new URL(leg.callback);
    tampered.searchParams.set('state', `${tampered.searchParams.get('state') ?? ''}x`);
    const response = await callback(gateway, leg, tampered);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).type).toBe('invalid_request_error');
    const failures = await audit('auth.login_failed');
    expect(failures.length).toBe(before + 1);
    expect(failures[0]?.details).toEqual({ method: 'oidc', reason: 'state_mismatch' });

    const other = await throughProvider(gateway.url, 'mallory-sub');
    const sealed = decodeURIComponent(other.gatewayJar.get(STATE_COOKIE) ?? '');
    const forged = new CookieJar();
    // Flip the first character of the GCM tag: all six of its bits count.
    // An envelope (identity/secret-box): version, key id, iv, tag, ciphertext. Flip the ciphertext.
    const parts = sealed.split(':');
    expect(parts.length).toBeGreaterThanOrEqual(4);
    const last = parts.length - 1;
    parts[last] = `${parts[last]?.startsWith('A') ? 'B' : 'A'}${parts[last]?.slice(1) ?? ''}`;
    const flipped = encodeURIComponent(parts.join(':'));
    const forgedResponse = await fetch(`${gateway.url}${other.callback.pathname}${other.callback.search}`, {
      redirect: 'manual',
      headers: { cookie: `${STATE_COOKIE}=${flipped}` },
    });
    forged.take(forgedResponse);
    expect(forgedResponse.status).toBe(400);
    expect((await audit('auth.login_failed'))[0]?.details).toEqual({
      method: 'oidc',
      reason: 'state_missing',
    });
    // Neither attempt made a user or a session.
    expect((await gateway.runtime.store.users.list()).some((u) => u.username === 'mallory')).toBe(false);
    expect(forged.get(REFRESH_COOKIE)).toBeUndefined();
  });

  it('refuses a replayed callback: the code is spent at the provider', async () => {
    provider.accounts.set('carl-sub', { preferred_username: 'carl', groups: ['sy-ops'] });
    const leg = await throughProvider(gateway.url, 'carl-sub');
    const sealed = leg.gatewayJar.get(STATE_COOKIE) ?? '';
    expect((await callback(gateway, leg)).status).toBe(303);
    // The attacker replays the exact callback, cookie included.
    const replay = await fetch(`${gateway.url}${leg.callback.pathname}${leg.callback.search}`, {
      redirect: 'manual',
      headers: { cookie: `${STATE_COOKIE}=${sealed}` },
    });
    expect(replay.status).toBe(401);
    const error = await errorOf(replay);
    expect(error.type).toBe('authentication_error');
    expect(error.message).not.toContain(leg.callback.searchParams.get('code') ?? 'no code');
    expect(replay.headers.getSetCookie().some((c) => c.startsWith(`${REFRESH_COOKIE}=`))).toBe(false);
    expect((await audit('auth.login_failed'))[0]?.details).toEqual({
      method: 'oidc',
      reason: 'code_rejected',
      error: 'invalid_grant',
    });
  });

  it('refuses a code from another attempt (code injection): PKCE and nonce bind it to its browser', async () => {
    provider.accounts.set('dora-sub', { preferred_username: 'dora' });
    const victim = await throughProvider(gateway.url, 'dora-sub');
    const attacker = await throughProvider(gateway.url, 'dora-sub');
    // The victim's state cookie and state, the attacker's code.
    const injected = new URL(victim.callback);
    injected.searchParams.set('code', attacker.callback.searchParams.get('code') ?? '');
    const response = await callback(gateway, victim, injected);
    expect(response.status).toBe(401);
    expect((await audit('auth.login_failed'))[0]?.details).toMatchObject({
      method: 'oidc',
      reason: 'code_rejected',
    });
  });

  it('refuses a disabled SSO user with 403 and an audit row', async () => {
    provider.accounts.set('erin-sub', { preferred_username: 'erin', groups: ['sy-ops'] });
    const { me } = await signIn('erin-sub');
    const disabled = await client.inject({
      method: 'POST',
      url: `/api/admin/users/${me.id}/disable`,
      headers: client.asAdminToken,
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    const leg = await throughProvider(gateway.url, 'erin-sub');
    const response = await callback(gateway, leg);
    expect(response.status).toBe(403);
    expect((await errorOf(response)).type).toBe('permission_error');
    const failure = (await audit('auth.login_failed'))[0];
    expect(failure).toMatchObject({ targetId: me.id, details: { method: 'oidc', reason: 'disabled' } });
  });

  it('keeps local accounts apart: a same-named local user is not taken over, and still signs in', async () => {
    const local = await client.userWithRole('member');
    provider.accounts.set('imposter-sub', { preferred_username: local.username, groups: ['sy-admins'] });
    const { me } = await signIn('imposter-sub');
    expect(me.id).not.toBe(local.userId);
    expect(me.username).toMatch(new RegExp(`^${local.username}-[0-9a-f]{8}$`));
    const localLogin = await client.login(local.username);
    expect(localLogin.statusCode, localLogin.body).toBe(200);
    expect((JSON.parse(localLogin.body) as { user: { role: string } }).user.role).toBe('member');
  });

  it('leaves no client secret, code or sealed state in the logs or the audit log', async () => {
    expect(codesSeen.length).toBeGreaterThan(5);
    const audited = JSON.stringify(await gateway.runtime.store.audit.list({ limit: 1000 }));
    const logged = gateway.logs.join('');
    expect(logged).toContain('/api/auth/oidc/callback'); // the access log did see the callbacks
    for (const secret of [CLIENT_SECRET, ...codesSeen]) {
      expect(logged).not.toContain(secret);
      expect(audited).not.toContain(secret);
    }
    expect(logged).not.toContain(STATE_COOKIE);
  });

  it('an SSO user cannot sign in with a password', async () => {
    provider.accounts.set('frank-sub', { preferred_username: 'frank' });
    await signIn('frank-sub');
    for (const password of [PASSWORD, '', 'x'.repeat(40)]) {
      const response = await client.login('frank', password);
      expect(response.statusCode).not.toBe(200);
    }
    expectError(await client.login('frank'), 401, 'authentication_error');
  });
});

describe('single sign-on without a default role', () => {
  let provider: TestProvider;
  let gateway: TestGateway;
  beforeAll(async () => {
    provider = await startTestProvider();
    gateway = await startAuthGateway({ env: ssoEnv(provider, 'sy-admins=admin') });
  });
  afterAll(async () => {
    await gateway?.close();
    await provider?.close();
  });

  it('refuses a user no group maps, creating nobody, and admits a mapped one', async () => {
    provider.accounts.set('gina-sub', { preferred_username: 'gina', groups: ['staff'] });
    const leg = await throughProvider(gateway.url, 'gina-sub');
    const response = await callback(gateway, leg);
    expect(response.status).toBe(403);
    expect((await errorOf(response)).type).toBe('permission_error');
    expect(response.headers.getSetCookie().some((c) => c.startsWith(`${REFRESH_COOKIE}=`))).toBe(false);
    const [failure] = await gateway.runtime.store.audit.list({ action: 'auth.login_failed' });
    expect(failure?.details).toEqual({ method: 'oidc', reason: 'no_role' });
    expect((await gateway.runtime.store.users.list()).some((u) => u.username === 'gina')).toBe(false);

    provider.accounts.set('gina-sub', { preferred_username: 'gina', groups: ['staff', 'sy-admins'] });
    const again = await throughProvider(gateway.url, 'gina-sub');
    expect((await callback(gateway, again)).status).toBe(303);
    expect((await gateway.runtime.store.users.getByUsername('gina'))?.role).toBe('admin');
  });
});

describe('single sign-on switched off', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startAuthGateway();
  });
  afterAll(() => gateway?.close());

  it('says so, and its routes answer 404', async () => {
    const client = api(gateway);
    const providers = await client.inject({ method: 'GET', url: '/api/auth/providers' });
    expect(JSON.parse(providers.body)).toEqual({ password: true, oidc: { enabled: false } });
    expectError(await client.inject({ method: 'GET', url: '/api/auth/oidc/login' }), 404, 'not_found_error');
    expectError(
      await client.inject({ method: 'GET', url: '/api/auth/oidc/callback?code=x&state=y' }),
      404,
      'not_found_error',
    );
  });
});

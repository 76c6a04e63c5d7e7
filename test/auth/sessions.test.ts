import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../support/gateway.js';
import { api, bearer, expectError, PASSWORD, sessionOf, startAuthGateway, type Injected } from './support.js';

const COOKIE = '__Secure-sy-refresh';

describe('sessions: login, refresh, logout, password', () => {
  let gateway: TestGateway;
  let client: ReturnType<typeof api>;
  beforeAll(async () => {
    gateway = await startAuthGateway({
      env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: '3', LOGIN_MAX_FAILURES_PER_IP: '8' },
    });
    client = api(gateway);
  });
  afterAll(() => gateway?.close());

  const refresh = (token: string | undefined): Promise<Injected> =>
    client.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { 'x-switchyard-csrf': '1' }, // a same-site page's fetch (see docs/security.md, CSRF)
      cookies: token === undefined ? {} : { [COOKIE]: token },
    });
  const me = (accessToken: string) =>
    client.inject({ method: 'GET', url: '/api/auth/me', headers: bearer({ accessToken }) });

  it('logs in: an access token, its lifetime, the user, and a locked-down refresh cookie', async () => {
    const { username } = await client.userWithRole('member');
    const response = await client.login(username);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900, user: { username, role: 'member' } });
    expect(JSON.stringify(body.user)).not.toMatch(/hash|"password"/i);
    expect(response.headers['cache-control']).toBe('no-store');
    const cookie = response.cookies.find((c) => c.name === COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/api/auth' });
    expect(cookie?.expires?.getTime()).toBeGreaterThan(Date.now() + 13 * 86_400_000);
    expect((await me(String(body.access_token))).statusCode).toBe(200);
  });

  it('refreshes by rotating: the new pair works, the old refresh token is spent', async () => {
    const session = await client.userWithRole('member');
    const first = await refresh(session.refreshToken);
    expect(first.statusCode, first.body).toBe(200);
    const next = sessionOf(first);
    expect(next.refreshToken).not.toBe(session.refreshToken);
    expect((await me(next.accessToken)).statusCode).toBe(200);
    const second = await refresh(next.refreshToken);
    expect(second.statusCode).toBe(200);
  });

  it('treats a reused refresh token as theft: 401 and the whole family is revoked', async () => {
    const session = await client.userWithRole('member');
    const rotated = sessionOf(await refresh(session.refreshToken));
    // The thief (or the victim) presents the already-rotated token.
    expectError(await refresh(session.refreshToken), 401, 'authentication_error');
    // Every descendant is dead too: the latest refresh token and the access tokens of the family.
    expectError(await refresh(rotated.refreshToken), 401, 'authentication_error');
    expectError(await me(rotated.accessToken), 401, 'authentication_error');
    expectError(await me(session.accessToken), 401, 'authentication_error');
    // Another login of the same user is a different family and unaffected.
    const again = sessionOf(await client.login(session.username));
    expect((await me(again.accessToken)).statusCode).toBe(200);
  });

  it('lets exactly one of two racing refreshes with the same token win', async () => {
    const session = await client.userWithRole('member');
    const results = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);
    const statuses = results.map((r) => r.statusCode);
    expect(statuses).toContain(401);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1);
    // The loser looked like reuse, so whatever the winner got belongs to a revoked family.
    for (const winner of results.filter((r) => r.statusCode === 200)) {
      const next = sessionOf(winner);
      expectError(await refresh(next.refreshToken), 401, 'authentication_error');
      expectError(await me(next.accessToken), 401, 'authentication_error');
    }
  });

  it('refuses missing, malformed and unknown refresh tokens with 401', async () => {
    expectError(await refresh(undefined), 401, 'authentication_error');
    for (const token of ["' OR 1=1--", 'x'.repeat(43), 'a'.repeat(5000), '']) {
      expectError(await refresh(token), 401, 'authentication_error');
    }
  });

  it('logs out: the family is revoked, the cookie cleared, the access token stops working', async () => {
    const session = await client.userWithRole('member');
    const response = await client.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { 'x-switchyard-csrf': '1' }, // a same-site page's fetch (see docs/security.md, CSRF)
      cookies: { [COOKIE]: session.refreshToken },
    });
    expect(response.statusCode).toBe(204);
    const cleared = response.cookies.find((c) => c.name === COOKIE);
    expect(cleared?.value).toBe('');
    expect(cleared?.path).toBe('/api/auth');
    expect(cleared?.expires?.getTime()).toBeLessThanOrEqual(Date.now());
    expectError(await refresh(session.refreshToken), 401, 'authentication_error');
    expectError(await me(session.accessToken), 401, 'authentication_error');
    // Logging out without a session is harmless.
    expect((await client.inject({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(204);
  });

  it('logs out with only the access token when the cookie is gone', async () => {
    const session = await client.userWithRole('member');
    const response = await client.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: bearer(session),
    });
    expect(response.statusCode).toBe(204);
    expectError(await refresh(session.refreshToken), 401, 'authentication_error');
  });

  it('gives the same answer for an unknown user and a wrong password, in similar time', async () => {
    const { username } = await client.userWithRole('member');
    const timed = async (name: string, password: string, ip: string) => {
      const started = performance.now();
      const response = await client.login(name, password, ip);
      return { response, ms: performance.now() - started };
    };
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 2; i++) {
      const a = await timed(username, 'not the password at all', `198.51.100.${10 + i}`);
      const b = await timed(`nobody-${i}`, 'not the password at all', `198.51.100.${20 + i}`);
      expect(a.response.statusCode).toBe(401);
      expect(b.response.statusCode).toBe(401);
      expect(JSON.parse(a.response.body).error).toEqual(JSON.parse(b.response.body).error);
      wrong.push(a.ms);
      unknown.push(b.ms);
    }
    // Both verify an argon2id hash; an unknown user must not answer in a fraction of the time.
    expect(Math.min(...unknown)).toBeGreaterThan(Math.min(...wrong) * 0.3);
  });

  it('throttles per account: after N failures, 429 with retry-after, even with the right password', async () => {
    const { username } = await client.userWithRole('member');
    for (let i = 0; i < 3; i++) {
      expectError(
        await client.login(username, 'wrong password!', `203.0.113.${i}`),
        401,
        'authentication_error',
      );
    }
    const blocked = await client.login(username, PASSWORD, '203.0.113.50');
    expectError(blocked, 429, 'rate_limit_error');
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(900);
  });

  it('throttles per IP across many usernames', async () => {
    const ip = '192.0.2.99';
    for (let i = 0; i < 8; i++) {
      expectError(await client.login(`spray-${i}`, 'Winter2026!', ip), 401, 'authentication_error');
    }
    const blocked = await client.login('spray-next', 'Winter2026!', ip);
    expectError(blocked, 429, 'rate_limit_error');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not affected.
    expectError(await client.login('spray-next', 'Winter2026!', '192.0.2.100'), 401, 'authentication_error');
  });

  it('answers SQL-injection strings in the login fields with 401 or 400, never 500', async () => {
    const attacks = [
      "' OR 1=1--",
      "admin'--",
      '"; DROP TABLE users;--',
      "' UNION SELECT password_hash FROM users--",
    ];
    for (const [i, attack] of attacks.entries()) {
      const asUser = await client.login(attack, 'whatever-password', `198.18.0.${i}`);
      expectError(asUser, 401, 'authentication_error');
      const { username } = await client.userWithRole('member');
      const asPassword = await client.login(username, attack, `198.18.1.${i}`);
      expectError(asPassword, 401, 'authentication_error');
    }
    for (const payload of [
      '{"username":1,"password":2}',
      '{"username":null}',
      '[]',
      '{"username":"a","password":"b","__proto__":{"x":1}}',
    ]) {
      const response = await client.inject({ method: 'POST', url: '/api/auth/login', payload });
      expectError(response, 400, 'invalid_request_error');
    }
    expect((await client.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('changes the password: old sessions end, a new one starts, the old password stops working', async () => {
    const session = await client.userWithRole('member');
    const other = sessionOf(await client.login(session.username));
    const response = await client.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: bearer(session),
      payload: JSON.stringify({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' }),
    });
    expect(response.statusCode, response.body).toBe(200);
    const fresh = sessionOf(response);
    expect((await me(fresh.accessToken)).statusCode).toBe(200);
    expectError(await me(other.accessToken), 401, 'authentication_error');
    expectError(await refresh(other.refreshToken), 401, 'authentication_error');
    expectError(await client.login(session.username, PASSWORD, '198.51.100.77'), 401, 'authentication_error');
    expect((await client.login(session.username, 'a brand new passphrase')).statusCode).toBe(200);
  });

  it('refuses a password change with a wrong current password or a weak new one', async () => {
    const session = await client.userWithRole('member');
    const change = (body: unknown) =>
      client.inject({
        method: 'POST',
        url: '/api/auth/password',
        headers: bearer(session),
        payload: JSON.stringify(body),
      });
    expectError(
      await change({ currentPassword: 'nope nope nope', newPassword: 'another long passphrase' }),
      401,
      'authentication_error',
    );
    expect(
      expectError(
        await change({ currentPassword: PASSWORD, newPassword: 'short' }),
        400,
        'invalid_request_error',
      ),
    ).toMatch(/^newPassword/);
    expectError(
      await change({ currentPassword: PASSWORD, newPassword: 'another long passphrase', role: 'admin' }),
      403,
      'permission_error',
    );
  });

  it('holds a user who must change their password to me, password and logout', async () => {
    const session = await client.userWithRole('member', { mustChangePassword: true });
    expect((await me(session.accessToken)).statusCode).toBe(200);
    const keys = await client.inject({ method: 'GET', url: '/api/keys', headers: bearer(session) });
    expect(expectError(keys, 403, 'permission_error')).toMatch(/password/);
    const changed = await client.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: bearer(session),
      payload: JSON.stringify({ currentPassword: PASSWORD, newPassword: 'now a proper passphrase' }),
    });
    expect(changed.statusCode).toBe(200);
    const after = await client.inject({
      method: 'GET',
      url: '/api/keys',
      headers: bearer(sessionOf(changed)),
    });
    expect(after.statusCode).toBe(200);
  });

  it('holds the first-start admin to a password change too', async () => {
    const password = gateway.runtime.firstStart.adminPassword;
    expect(password).toBeDefined();
    const session = sessionOf(await client.login('admin', password));
    const body = JSON.parse((await me(session.accessToken)).body) as {
      mustChangePassword: boolean;
      role: string;
    };
    expect(body).toMatchObject({ mustChangePassword: true, role: 'admin' });
    const users = await client.inject({ method: 'GET', url: '/api/admin/users', headers: bearer(session) });
    expectError(users, 403, 'permission_error');
  });

  it('signs a disabled user out and refuses their next login', async () => {
    const session = await client.userWithRole('member');
    const disabled = await client.inject({
      method: 'POST',
      url: `/api/admin/users/${session.userId}/disable`,
      headers: client.asAdminToken,
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expectError(await me(session.accessToken), 401, 'authentication_error');
    expectError(await refresh(session.refreshToken), 401, 'authentication_error');
    expectError(
      await client.login(session.username, PASSWORD, '198.51.100.200'),
      401,
      'authentication_error',
    );
  });
});

describe('registration', () => {
  it('is refused while closed (the default)', async () => {
    const gateway = await startAuthGateway();
    try {
      const response = await api(gateway).inject({
        method: 'POST',
        url: '/api/auth/register',
        payload: JSON.stringify({ username: 'newcomer', password: 'a long enough password' }),
      });
      expectError(response, 403, 'permission_error');
      expect(await gateway.runtime.store.users.getByUsername('newcomer')).toBeUndefined();
    } finally {
      await gateway.close();
    }
  });

  it('when open, makes members only: a role in the body is refused, not obeyed', async () => {
    const gateway = await startAuthGateway({ env: { REGISTRATION_OPEN: 'true' } });
    try {
      const client = api(gateway);
      const register = (body: unknown) =>
        client.inject({ method: 'POST', url: '/api/auth/register', payload: JSON.stringify(body) });
      for (const field of ['role', 'mustChangePassword', 'id', 'disabledAt']) {
        const response = await register({
          username: `sneaky-${field.toLowerCase()}`,
          password: 'a long enough password',
          [field]: field === 'role' ? 'admin' : null,
        });
        expectError(response, 403, 'permission_error');
      }
      expect((await gateway.runtime.store.users.list()).map((u) => u.username)).toEqual(['admin']);
      const created = await register({ username: 'Newcomer', password: 'a long enough password' });
      expect(created.statusCode, created.body).toBe(201);
      expect(JSON.parse(created.body)).toMatchObject({
        username: 'newcomer',
        role: 'member',
        mustChangePassword: false,
      });
      expect(
        JSON.parse((await register({ username: 'newcomer', password: 'a long enough password' })).body).error
          .type,
      ).toBe('invalid_request_error');
      for (const username of ["' OR 1=1--", 'ab', 'x'.repeat(65), '../admin']) {
        expectError(
          await register({ username, password: 'a long enough password' }),
          400,
          'invalid_request_error',
        );
      }
      expect((await client.login('NEWCOMER', 'a long enough password')).statusCode).toBe(200);
    } finally {
      await gateway.close();
    }
  });
});

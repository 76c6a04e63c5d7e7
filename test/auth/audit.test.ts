import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCsv, csvCell } from '../../src/services/audit-log.js';
import type { TestGateway } from '../support/gateway.js';
import { api, bearer, expectError, sessionOf, startAuthGateway } from './support.js';

const CANARY = 'canary-Zq9xW3-never-log-me';
const COOKIE = '__Secure-sy-refresh';

interface Row {
  id: string;
  at: string;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

describe('audit log', () => {
  let gateway: TestGateway;
  let client: ReturnType<typeof api>;
  const secrets: string[] = [];
  let userId: string;
  let adminId: string;
  beforeAll(async () => {
    gateway = await startAuthGateway();
    client = api(gateway);
    const admin = await client.userWithRole('admin');
    adminId = admin.userId;
    // A user whose password is the canary walks through every audited event.
    const created = await client.inject({
      method: 'POST',
      url: '/api/admin/users',
      headers: bearer(admin),
      payload: JSON.stringify({
        username: 'erin',
        role: 'member',
        password: `${CANARY}-1`,
        mustChangePassword: false,
      }),
    });
    userId = JSON.parse(created.body).user.id;
    expectError(await client.login('erin', `${CANARY}-wrong`, '198.51.100.9'), 401, 'authentication_error');
    expectError(
      await client.login(`${CANARY}-as-username`, `${CANARY}-x`, '198.51.100.9'),
      401,
      'authentication_error',
    );
    const login = await client.login('erin', `${CANARY}-1`, '198.51.100.9');
    const session = sessionOf(login);
    secrets.push(session.accessToken, session.refreshToken);
    const changed = await client.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: bearer(session),
      payload: JSON.stringify({ currentPassword: `${CANARY}-1`, newPassword: `${CANARY}-2` }),
    });
    const fresh = sessionOf(changed);
    secrets.push(fresh.accessToken, fresh.refreshToken);
    const key = await client.inject({
      method: 'POST',
      url: '/api/keys',
      headers: bearer(fresh),
      payload: '{"name":"erin-key"}',
    });
    const { key: keyView, secret } = JSON.parse(key.body) as { key: { id: string }; secret: string };
    secrets.push(secret);
    await client.inject({ method: 'DELETE', url: `/api/keys/${keyView.id}`, headers: bearer(fresh) });
    // Refresh once, then replay the spent token: reuse.
    const rotated = sessionOf(
      await client.inject({
        method: 'POST',
        url: '/api/auth/refresh',
        headers: { 'x-switchyard-csrf': '1' }, // a same-site page's fetch (see docs/security.md, CSRF)
        cookies: { [COOKIE]: fresh.refreshToken },
      }),
    );
    secrets.push(rotated.accessToken, rotated.refreshToken);
    await client.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { 'x-switchyard-csrf': '1' }, // a same-site page's fetch (see docs/security.md, CSRF)
      cookies: { [COOKIE]: fresh.refreshToken },
    });
    const again = sessionOf(await client.login('erin', `${CANARY}-2`));
    secrets.push(again.accessToken, again.refreshToken);
    await client.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { 'x-switchyard-csrf': '1' }, // a same-site page's fetch (see docs/security.md, CSRF)
      cookies: { [COOKIE]: again.refreshToken },
    });
    await client.inject({
      method: 'PATCH',
      url: `/api/admin/users/${userId}`,
      headers: bearer(admin),
      payload: '{"role":"viewer"}',
    });
    await client.inject({
      method: 'POST',
      url: `/api/admin/users/${userId}/disable`,
      headers: bearer(admin),
    });
    await client.inject({
      method: 'POST',
      url: '/api/admin/accounts',
      headers: bearer(admin),
      payload: JSON.stringify({ kind: 'anthropic_api', name: 'audited', apiKey: `${CANARY}-credential` }),
    });
  });
  afterAll(() => gateway?.close());

  const list = async (query = '') => {
    const response = await client.inject({
      method: 'GET',
      url: `/api/admin/audit${query}`,
      headers: client.asAdminToken,
    });
    expect(response.statusCode, response.body).toBe(200);
    return JSON.parse(response.body) as { data: Row[]; next_cursor: string | null };
  };

  it('records each security event with actor, target, IP and time', async () => {
    const { data } = await list('?limit=1000');
    const of = (action: string) => data.filter((r) => r.action === action);
    expect(of('user.create').some((r) => r.targetId === userId && r.actorId === adminId)).toBe(true);
    expect(
      of('auth.login_failed')
        .filter((r) => r.ip === '198.51.100.9')
        .map((r) => r.details.reason)
        .sort(),
    ).toEqual(['unknown_user', 'wrong_password']);
    expect(of('auth.login')).toContainEqual(
      expect.objectContaining({ actorType: 'user', actorId: userId, targetId: userId, ip: '198.51.100.9' }),
    );
    expect(of('user.password_change')).toContainEqual(
      expect.objectContaining({ actorId: userId, targetId: userId }),
    );
    expect(of('api_key.create').some((r) => r.actorId === userId)).toBe(true);
    expect(of('api_key.revoke').some((r) => r.actorId === userId)).toBe(true);
    expect(of('auth.refresh_reuse')).toContainEqual(expect.objectContaining({ targetId: userId }));
    expect(of('auth.logout')).toContainEqual(expect.objectContaining({ actorId: userId }));
    expect(of('user.role_change')).toContainEqual(
      expect.objectContaining({
        actorId: adminId,
        targetId: userId,
        details: { from: 'member', to: 'viewer' },
      }),
    );
    expect(of('user.disable')).toContainEqual(
      expect.objectContaining({ actorId: adminId, targetId: userId }),
    );
    expect(of('account.create')).toContainEqual(
      expect.objectContaining({ actorType: 'user', actorId: adminId }),
    );
    for (const row of data) expect(Number.isNaN(Date.parse(row.at))).toBe(false);
  });

  it('never holds a password, token or key secret, nor do the logs', async () => {
    const rows = JSON.stringify(await gateway.runtime.store.audit.list({ limit: 10_000 }));
    const logs = gateway.logs.join('');
    expect(rows).toContain('erin');
    for (const haystack of [rows, logs]) {
      expect(haystack).not.toContain(CANARY);
      for (const secret of secrets) expect(haystack).not.toContain(secret);
    }
    const csv = await client.inject({
      method: 'GET',
      url: '/api/admin/audit?format=csv&limit=10000',
      headers: client.asAdminToken,
    });
    expect(csv.body).not.toContain(CANARY);
  });

  it('filters by action, actor, target and time, and pages with a cursor', async () => {
    expect((await list('?action=auth.login')).data.every((r) => r.action === 'auth.login')).toBe(true);
    expect((await list(`?actor=${adminId}`)).data.every((r) => r.actorId === adminId)).toBe(true);
    const targeted = (await list(`?target=${userId}`)).data;
    expect(targeted.length).toBeGreaterThanOrEqual(8);
    expect(targeted.every((r) => r.targetId === userId)).toBe(true);
    expect((await list('?from=2999-01-01T00:00:00Z')).data).toEqual([]);
    expect((await list('?to=2000-01-01T00:00:00Z')).data).toEqual([]);
    expect((await list(`?action=${encodeURIComponent("' OR 1=1--")}`)).data).toEqual([]);

    const all = (await list('?limit=1000')).data.map((r) => r.id);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: Row[]; next_cursor: string | null } = await list(
        `?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.data.length).toBeLessThanOrEqual(3);
      paged.push(...page.data.map((r) => r.id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(paged).toEqual(all);
  });

  it('refuses bad filters with 400', async () => {
    for (const query of [
      '?limit=0',
      '?limit=abc',
      '?from=yesterday',
      '?cursor=garbage',
      '?format=xml',
      '?unknown=1',
    ]) {
      const response = await client.inject({
        method: 'GET',
        url: `/api/admin/audit${query}`,
        headers: client.asAdminToken,
      });
      expectError(response, 400, 'invalid_request_error');
    }
  });

  it('exports CSV whose cells a spreadsheet will not run', async () => {
    await gateway.runtime.store.audit.append({
      actorType: 'system',
      actorId: '=HYPERLINK("http://evil.example","x")',
      action: 'test.csv',
      targetType: '+1+1',
      targetId: '@SUM(A1)',
      ip: '-2+3',
      details: { note: 'has "quotes", commas\nand a newline' },
    });
    const response = await client.inject({
      method: 'GET',
      url: '/api/admin/audit?format=csv&action=test.csv',
      headers: client.asAdminToken,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toMatch(/attachment/);
    const [header, row] = response.body.split('\r\n');
    expect(header).toBe('id,at,actor_type,actor_id,action,target_type,target_id,ip,details');
    expect(row).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(row).toContain(`"'+1+1"`);
    expect(row).toContain(`"'@SUM(A1)"`);
    expect(row).toContain(`"'-2+3"`);
    // Every cell is quoted, so no cell of any row starts with a formula character.
    expect(row).not.toMatch(/(^|,)[=+\-@]/);
  });

  it('escapes single cells: quotes, tabs, carriage returns, nulls', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell('plain')).toBe('"plain"');
    expect(csvCell('a "b"')).toBe('"a ""b"""');
    expect(csvCell('\t=1')).toBe(`"'\t=1"`);
    expect(csvCell('\r=1')).toBe(`"'\r=1"`);
    expect(auditCsv([]).trim()).toBe('id,at,actor_type,actor_id,action,target_type,target_id,ip,details');
  });

  it('is admin only', async () => {
    const member = await client.userWithRole('member');
    expectError(
      await client.inject({ method: 'GET', url: '/api/admin/audit', headers: bearer(member) }),
      403,
      'permission_error',
    );
  });
});

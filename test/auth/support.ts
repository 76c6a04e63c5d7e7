/** Helpers for the sign-in and authorization suites: users of each role, sessions, requests. */
import type { InjectOptions } from 'fastify';
import { expect } from 'vitest';
import type { UserRole } from '../../src/store/index.js';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../support/gateway.js';

/** Known to the suites, so tokens can be forged with the right key and with wrong ones. */
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789-abcdefghijklmnop';
export const PASSWORD = 'correct horse battery staple';

export interface Injected {
  statusCode: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
  cookies: Array<{
    name: string;
    value: string;
    path?: string;
    httpOnly?: boolean;
    secure?: boolean;
    sameSite?: string;
    expires?: Date;
    maxAge?: number;
  }>;
}

export interface Session {
  userId: string;
  username: string;
  accessToken: string;
  refreshToken: string;
}

export async function startAuthGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  return startTestGateway({ ...options, env: { JWT_SECRET: TEST_JWT_SECRET, ...options.env } });
}

export function api(gateway: TestGateway) {
  const inject = (options: InjectOptions) =>
    gateway.runtime.app.inject(options) as unknown as Promise<Injected>;
  const asAdminToken = { authorization: `Bearer ${gateway.runtime.adminToken}` };
  let users = 0;

  async function login(
    username: string,
    password = PASSWORD,
    remoteAddress = '127.0.0.1',
  ): Promise<Injected> {
    return inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: JSON.stringify({ username, password }),
      remoteAddress,
    });
  }

  /** A user of the role, created through the admin API, with a live session. */
  async function userWithRole(
    role: UserRole,
    options: { mustChangePassword?: boolean } = {},
  ): Promise<Session> {
    const username = `${role}-${++users}-${Math.random().toString(36).slice(2, 8)}`;
    const created = await inject({
      method: 'POST',
      url: '/api/admin/users',
      headers: asAdminToken,
      payload: JSON.stringify({
        username,
        role,
        password: PASSWORD,
        mustChangePassword: options.mustChangePassword ?? false,
      }),
    });
    expect(created.statusCode, created.body).toBe(201);
    const response = await login(username);
    expect(response.statusCode, response.body).toBe(200);
    return sessionOf(response);
  }

  return { inject, login, userWithRole, asAdminToken };
}

export function refreshCookieOf(response: Injected): string | undefined {
  return response.cookies.find((c) => c.name === '__Secure-sy-refresh')?.value;
}

export function sessionOf(response: Injected): Session {
  const body = JSON.parse(response.body) as { access_token: string; user: { id: string; username: string } };
  const refreshToken = refreshCookieOf(response);
  if (!refreshToken) throw new Error('no refresh cookie in the response');
  return { userId: body.user.id, username: body.user.username, accessToken: body.access_token, refreshToken };
}

export const bearer = (session: Pick<Session, 'accessToken'>) => ({
  authorization: `Bearer ${session.accessToken}`,
});

export function expectError(response: Injected, status: number, type: string): string {
  expect(response.statusCode, response.body).toBe(status);
  const body = JSON.parse(response.body) as {
    type: string;
    error: { type: string; message: string };
    request_id: string;
  };
  expect(body.type).toBe('error');
  expect(body.error.type).toBe(type);
  expect(body.request_id).toMatch(/^req_/);
  return body.error.message;
}

/**
 * The HTTP side of the server's API. The access token lives in memory only (never in storage a
 * script injection could read later); the refresh cookie is httpOnly and path-scoped to
 * /api/auth, so a reload gets a new access token from it. Every call carries the CSRF header.
 */
export interface User {
  id: string;
  username: string;
  role: string;
  mustChangePassword: boolean;
}

export interface Session {
  accessToken: string;
  expiresAt: number;
  user: User;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const CSRF = { 'x-switchyard-csrf': '1' };

export async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { type?: string; message?: string } };
    return new ApiError(
      response.status,
      body.error?.type ?? 'api_error',
      body.error?.message ?? response.statusText,
    );
  } catch {
    return new ApiError(response.status, 'api_error', response.statusText || `HTTP ${response.status}`);
  }
}

interface SessionBody {
  access_token: string;
  expires_in: number;
  user: User;
}

function sessionOf(body: SessionBody): Session {
  return { accessToken: body.access_token, expiresAt: Date.now() + body.expires_in * 1000, user: body.user };
}

async function post(url: string, body?: unknown, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      ...CSRF,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function login(username: string, password: string): Promise<Session> {
  const response = await post('/api/auth/login', { username, password });
  if (!response.ok) throw await errorOf(response);
  return sessionOf((await response.json()) as SessionBody);
}

/** A new access token from the refresh cookie; undefined when there is no live session. */
export async function refresh(): Promise<Session | undefined> {
  const response = await post('/api/auth/refresh');
  if (response.status === 401) return undefined;
  if (!response.ok) throw await errorOf(response);
  return sessionOf((await response.json()) as SessionBody);
}

export async function logout(token: string | undefined): Promise<void> {
  await post('/api/auth/logout', undefined, token).catch(() => undefined);
}

export async function changePassword(token: string, currentPassword: string, newPassword: string) {
  const response = await post('/api/auth/password', { currentPassword, newPassword }, token);
  if (!response.ok) throw await errorOf(response);
  return sessionOf((await response.json()) as SessionBody);
}

/** A JSON call with the access token that `getToken` supplies (refreshing it first if due). */
export async function call<T>(
  getToken: () => Promise<string>,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(url, {
    method,
    credentials: 'same-origin',
    headers: {
      ...CSRF,
      authorization: `Bearer ${await getToken()}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await errorOf(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

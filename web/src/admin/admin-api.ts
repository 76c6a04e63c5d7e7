/** Typed calls to the admin API (/api/admin/…); shapes mirror the server's views. */
import { call } from '../api/client';

export type AccountState = 'active' | 'cooling_down' | 'needs_reauth' | 'disabled';

export interface Account {
  id: string;
  name: string;
  kind: string;
  simulated: boolean;
  baseUrl: string | null;
  hasCredential: boolean;
  maxConcurrency: number;
  priority: number;
  weight: number;
  models: string[] | null;
  state: AccountState;
  stateReason: string | null;
  cooldownUntil: string | null;
  inFlight: number | null;
  createdAt: string;
}

export interface AccountTest {
  account: string;
  ok: boolean;
  status: number | null;
  detail: string;
  latencyMs: number;
}

export interface Aggregate {
  requests: number;
  errors: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  latencyP99Ms: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  ttftP99Ms: number | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  costUsd: number;
}

export interface Stats {
  window: '1h' | '24h';
  bucketSeconds: number;
  from: string;
  to: string;
  buckets: Array<Aggregate & { start: string }>;
  totals: Aggregate & { requestsPerSecond: number; errorRate: number };
  live: {
    queueDepth: number;
    accounts: Array<{
      id: string;
      name: string;
      kind: string;
      state: AccountState;
      inFlight: number;
      maxConcurrency: number;
      utilisation: number;
      cooldownUntil: string | null;
    }>;
  };
  accounts: Array<{
    accountId: string | null;
    accountName: string | null;
    requests: number;
    errors: number;
    inputTokens: number;
    outputTokens: number;
    costUsd: number;
  }>;
}

export interface RequestEntry {
  requestId: string;
  createdAt: string;
  apiKeyName: string | null;
  apiKeyId: string | null;
  username: string | null;
  userId: string | null;
  accountName: string | null;
  accountId: string | null;
  model: string;
  status: number;
  errorType: string | null;
  latencyMs: number;
  ttftMs: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface AuditEntry {
  id: string;
  at: string;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
}

export type Limits = Partial<
  Record<'requestsPerMinute' | 'tokensPerMinute' | 'maxConcurrency' | 'usdPerDay', number>
>;

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  limits: Limits;
  models: string[] | null;
}

export interface AdminUser {
  id: string;
  username: string;
  role: string;
  mustChangePassword: boolean;
  createdAt: string;
  disabledAt: string | null;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

type Token = () => Promise<string>;

const query = (params: Record<string, string | undefined>) => {
  const entries = Object.entries(params).filter((e): e is [string, string] => !!e[1]);
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : '';
};

export const adminApi = (token: Token) => ({
  me: () => call<{ permissions: string[] }>(token, 'GET', '/api/auth/me'),
  stats: (window: '1h' | '24h') => call<Stats>(token, 'GET', `/api/admin/stats${query({ window })}`),
  accounts: () => call<{ data: Account[] }>(token, 'GET', '/api/admin/accounts').then((r) => r.data),
  addAccount: (body: Record<string, unknown>) => call<Account>(token, 'POST', '/api/admin/accounts', body),
  updateAccount: (id: string, patch: Record<string, unknown>) =>
    call<Account>(token, 'PATCH', `/api/admin/accounts/${encodeURIComponent(id)}`, patch),
  testAccount: (id: string) =>
    call<AccountTest>(token, 'POST', `/api/admin/accounts/${encodeURIComponent(id)}/test`),
  requests: (filters: Record<string, string | undefined>) =>
    call<Page<RequestEntry>>(token, 'GET', `/api/admin/requests${query(filters)}`),
  audit: (filters: Record<string, string | undefined>) =>
    call<Page<AuditEntry>>(token, 'GET', `/api/admin/audit${query(filters)}`),
  keys: () => call<{ data: ApiKey[] }>(token, 'GET', '/api/admin/keys').then((r) => r.data),
  createKey: (body: Record<string, unknown>) =>
    call<{ key: ApiKey; secret: string }>(token, 'POST', '/api/admin/keys', body),
  revokeKey: (id: string) => call<ApiKey>(token, 'DELETE', `/api/admin/keys/${encodeURIComponent(id)}`),
  users: () => call<{ data: AdminUser[] }>(token, 'GET', '/api/admin/users').then((r) => r.data),
  createUser: (body: Record<string, unknown>) =>
    call<{ user: AdminUser; password?: string }>(token, 'POST', '/api/admin/users', body),
  setRole: (id: string, role: string) => call<AdminUser>(token, 'PATCH', `/api/admin/users/${id}`, { role }),
  disableUser: (id: string) => call<AdminUser>(token, 'POST', `/api/admin/users/${id}/disable`),
});
export type AdminApi = ReturnType<typeof adminApi>;

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

export const STATS_WINDOWS = ['1h', '24h', '7d', '30d', '90d'] as const;
export type StatsWindow = (typeof STATS_WINDOWS)[number];

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
  window: StatsWindow;
  /** `rollups`: the long windows, read from usage roll-ups; percentiles are estimates. */
  source?: 'ledger' | 'rollups';
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

export const LIMIT_NAMES = [
  'requestsPerMinute',
  'tokensPerMinute',
  'maxConcurrency',
  'usdPerDay',
  'usdPerMonth',
  'tokensPerDay',
  'tokensPerMonth',
] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];
export type Limits = Partial<Record<LimitName, number>>;

export interface WorkerInfo {
  id: string;
  host: string;
  embedded: boolean;
  status: 'live' | 'lost';
  state: 'running' | 'draining' | 'drained';
  accounts: Array<{ id: string; name: string | null }>;
  capacity: number;
  inFlight: number | null;
  version: string;
  startedAt: string;
  lastSeenAt: string;
}

export interface Workers {
  mode: 'embedded' | 'distributed';
  workers: WorkerInfo[];
}

export interface QueueEntry {
  requestId: string;
  jobId: string | null;
  state: 'waiting' | 'active';
  model: string;
  stream: boolean;
  operation: string | null;
  apiKeyId: string | null;
  apiKeyName: string | null;
  userId: string | null;
  username: string | null;
  accountId: string | null;
  accountName: string | null;
  worker: string | null;
  gateway: string | null;
  since: string;
  ageMs: number;
}

export interface RequestQueue {
  mode: 'embedded' | 'distributed';
  depth: number;
  waiting: number;
  active: number;
  complete: boolean;
  entries: QueueEntry[];
}

export interface SettingValues {
  registrationOpen: boolean;
  defaultKeyLimits: Limits;
  anthropicApiOnly: boolean;
}

export interface GatewaySettings {
  values: SettingValues;
  defaults: SettingValues;
  meta: Record<
    keyof SettingValues,
    { source: 'default' | 'database'; updatedAt: string | null; updatedBy: string | null }
  >;
  excludedAccounts: Array<{ id: string; name: string; kind: string }>;
}

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
  stats: (window: StatsWindow) => call<Stats>(token, 'GET', `/api/admin/stats${query({ window })}`),
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
  updateKey: (id: string, patch: { limits?: Limits; models?: string[] | null }) =>
    call<ApiKey>(token, 'PATCH', `/api/admin/keys/${encodeURIComponent(id)}`, patch),
  workers: () => call<Workers>(token, 'GET', '/api/admin/workers'),
  drainWorker: (id: string, drain: boolean) =>
    call<WorkerInfo>(
      token,
      'POST',
      `/api/admin/workers/${encodeURIComponent(id)}/${drain ? 'drain' : 'undrain'}`,
    ),
  queue: () => call<RequestQueue>(token, 'GET', '/api/admin/queue'),
  cancelRequest: (id: string) =>
    call<{ requestId: string }>(token, 'POST', `/api/admin/queue/${encodeURIComponent(id)}/cancel`),
  settings: () => call<GatewaySettings>(token, 'GET', '/api/admin/settings'),
  updateSettings: (patch: Partial<SettingValues>) =>
    call<GatewaySettings>(token, 'PATCH', '/api/admin/settings', patch),
  users: () => call<{ data: AdminUser[] }>(token, 'GET', '/api/admin/users').then((r) => r.data),
  createUser: (body: Record<string, unknown>) =>
    call<{ user: AdminUser; password?: string }>(token, 'POST', '/api/admin/users', body),
  setRole: (id: string, role: string) => call<AdminUser>(token, 'PATCH', `/api/admin/users/${id}`, { role }),
  disableUser: (id: string) => call<AdminUser>(token, 'POST', `/api/admin/users/${id}/disable`),
});
export type AdminApi = ReturnType<typeof adminApi>;

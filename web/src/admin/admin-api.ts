/** Typed calls to the admin API (/api/admin/…); the views are the server's (src/services/admin-views.ts). */
import { call } from '../api/client';

import type {
  Agree,
  LimitName,
  Same,
  SettingValues,
  StatsView,
  StatsWindow,
  WorkerView,
  WorkersView,
  QueueView,
  SettingsView,
  AccountView,
  AccountTestView,
  RequestView,
  AuditEntryView,
  ApiKeyView,
  UserView,
  KeyLimitsView,
} from '../../../src/services/admin-views';

// The server's views, declared once in src/services/admin-views.ts (types only: nothing of the
// server reaches the bundle); the names here are the ones the pages use.
export type {
  AccountState,
  AccountView as Account,
  AccountTestView as AccountTest,
  AggregateView as Aggregate,
  ApiKeyView as ApiKey,
  AuditEntryView as AuditEntry,
  KeyLimitsView as Limits,
  LimitName,
  QueueEntryView as QueueEntry,
  QueueView as RequestQueue,
  RequestView as RequestEntry,
  SettingValues,
  SettingsView as GatewaySettings,
  StatsView as Stats,
  StatsWindow,
  UserView as AdminUser,
  WorkerView as WorkerInfo,
  WorkersView as Workers,
} from '../../../src/services/admin-views';

export const STATS_WINDOWS = ['1h', '24h', '7d', '30d', '90d'] as const satisfies readonly StatsWindow[];

export const LIMIT_NAMES = [
  'requestsPerMinute',
  'tokensPerMinute',
  'maxConcurrency',
  'usdPerDay',
  'usdPerMonth',
  'tokensPerDay',
  'tokensPerMonth',
] as const satisfies readonly LimitName[];

/** Fails to compile when a window or limit the server knows is missing from the lists above. */
export type ListsAgree = [
  Agree<Same<(typeof STATS_WINDOWS)[number], StatsWindow>>,
  Agree<Same<(typeof LIMIT_NAMES)[number], LimitName>>,
];

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
  stats: (window: StatsWindow) => call<StatsView>(token, 'GET', `/api/admin/stats${query({ window })}`),
  accounts: () => call<{ data: AccountView[] }>(token, 'GET', '/api/admin/accounts').then((r) => r.data),
  addAccount: (body: Record<string, unknown>) =>
    call<AccountView>(token, 'POST', '/api/admin/accounts', body),
  updateAccount: (id: string, patch: Record<string, unknown>) =>
    call<AccountView>(token, 'PATCH', `/api/admin/accounts/${encodeURIComponent(id)}`, patch),
  testAccount: (id: string) =>
    call<AccountTestView>(token, 'POST', `/api/admin/accounts/${encodeURIComponent(id)}/test`),
  requests: (filters: Record<string, string | undefined>) =>
    call<Page<RequestView>>(token, 'GET', `/api/admin/requests${query(filters)}`),
  audit: (filters: Record<string, string | undefined>) =>
    call<Page<AuditEntryView>>(token, 'GET', `/api/admin/audit${query(filters)}`),
  keys: () => call<{ data: ApiKeyView[] }>(token, 'GET', '/api/admin/keys').then((r) => r.data),
  createKey: (body: Record<string, unknown>) =>
    call<{ key: ApiKeyView; secret: string }>(token, 'POST', '/api/admin/keys', body),
  revokeKey: (id: string) => call<ApiKeyView>(token, 'DELETE', `/api/admin/keys/${encodeURIComponent(id)}`),
  updateKey: (id: string, patch: { limits?: KeyLimitsView; models?: string[] | null }) =>
    call<ApiKeyView>(token, 'PATCH', `/api/admin/keys/${encodeURIComponent(id)}`, patch),
  workers: () => call<WorkersView>(token, 'GET', '/api/admin/workers'),
  drainWorker: (id: string, drain: boolean) =>
    call<WorkerView>(
      token,
      'POST',
      `/api/admin/workers/${encodeURIComponent(id)}/${drain ? 'drain' : 'undrain'}`,
    ),
  queue: () => call<QueueView>(token, 'GET', '/api/admin/queue'),
  cancelRequest: (id: string) =>
    call<{ requestId: string }>(token, 'POST', `/api/admin/queue/${encodeURIComponent(id)}/cancel`),
  settings: () => call<SettingsView>(token, 'GET', '/api/admin/settings'),
  updateSettings: (patch: Partial<SettingValues>) =>
    call<SettingsView>(token, 'PATCH', '/api/admin/settings', patch),
  users: () => call<{ data: UserView[] }>(token, 'GET', '/api/admin/users').then((r) => r.data),
  createUser: (body: Record<string, unknown>) =>
    call<{ user: UserView; password?: string }>(token, 'POST', '/api/admin/users', body),
  setRole: (id: string, role: string) => call<UserView>(token, 'PATCH', `/api/admin/users/${id}`, { role }),
  disableUser: (id: string) => call<UserView>(token, 'POST', `/api/admin/users/${id}/disable`),
});
export type AdminApi = ReturnType<typeof adminApi>;

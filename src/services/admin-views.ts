/**
 * The admin API's views as they travel over JSON (dates as ISO strings), declared once for both
 * the server services that build them and the web app that reads them (web/src/admin/admin-api.ts).
 * Types only, and no imports: the web app type-checks this file with its own compiler settings,
 * and a runtime export here would pull server code into the browser bundle. Where a union mirrors
 * a server constant (account states, kinds, limit names), the server checks the two still agree
 * (see the `Same` checks in admin-types.ts, settings-types.ts and usage-reports.ts).
 */

/** True when A and B are the same type; the server's compile-time check that the copies agree. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Fails to compile unless T is true: `Agree<Same<ServerType, ViewType>>`. */
export type Agree<T extends true> = T;

export type AccountState = 'active' | 'cooling_down' | 'needs_reauth' | 'disabled';
export type AccountKind = 'anthropic_api' | 'claude_cli' | 'mock';
export type UserRole = 'admin' | 'operator' | 'member' | 'viewer';

export type LimitName =
  | 'requestsPerMinute'
  | 'tokensPerMinute'
  | 'maxConcurrency'
  | 'usdPerDay'
  | 'usdPerMonth'
  | 'tokensPerDay'
  | 'tokensPerMonth';
/** An absent field means no limit at that level. */
export type KeyLimitsView = Partial<Record<LimitName, number>>;

/** An account as admins see it: never the credential, only whether there is one. */
export interface AccountView {
  id: string;
  name: string;
  kind: AccountKind;
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

export interface AccountTestView {
  account: string;
  ok: boolean;
  status: number | null;
  detail: string;
  latencyMs: number;
}

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  limits: KeyLimitsView;
  models: string[] | null;
  modelFallback: boolean;
}

/** A user as the API shows them: never the password hash. */
export interface UserView {
  id: string;
  username: string;
  role: UserRole;
  mustChangePassword: boolean;
  createdAt: string;
  disabledAt: string | null;
  /** The ceiling of the user's keys. */
  limits: KeyLimitsView;
  models: string[] | null;
}

export type StatsWindow = '1h' | '24h' | '7d' | '30d' | '90d';

export interface AggregateView {
  requests: number;
  /** Answers with status 400 or above, except 499 (the client went away; not a failure of ours). */
  errors: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  latencyP99Ms: number | null;
  /** Time to first token, over the rows that have one (streamed answers). */
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  ttftP99Ms: number | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  costUsd: number;
}

export interface StatsView {
  window: StatsWindow;
  /** `rollups`: hourly/daily roll-ups; latency and TTFT percentiles are estimates. */
  source: 'ledger' | 'rollups';
  bucketSeconds: number;
  from: string;
  to: string;
  /** Every bucket of the window, oldest first; buckets without traffic have zero counts and null percentiles. */
  buckets: Array<AggregateView & { start: string }>;
  totals: AggregateView & { requestsPerSecond: number; errorRate: number };
  live: {
    queueDepth: number;
    accounts: Array<{
      id: string;
      name: string;
      kind: string;
      state: AccountState;
      inFlight: number;
      maxConcurrency: number;
      /** In-flight over max concurrency, 0–1. */
      utilisation: number;
      cooldownUntil: string | null;
    }>;
  };
  /** Use per account over the window, busiest first. */
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

/** One row of the request log. */
export interface RequestView {
  requestId: string;
  createdAt: string;
  apiKeyId: string | null;
  apiKeyName: string | null;
  userId: string | null;
  username: string | null;
  accountId: string | null;
  accountName: string | null;
  model: string;
  requestedModel: string | null;
  stream: boolean;
  status: number;
  errorType: string | null;
  latencyMs: number;
  ttftMs: number | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
  costUsd: number;
}

export interface AuditEntryView {
  id: string;
  at: string;
  actorType: 'user' | 'api_key' | 'system' | 'cli';
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export interface WorkerView {
  id: string;
  host: string;
  /** Embedded mode's one entry: the gateway process itself, which cannot be drained. */
  embedded: boolean;
  /** `lost`: no heartbeat for WORKER_LOST_AFTER_MS; its accounts are out of the pool. */
  status: 'live' | 'lost';
  /** `draining` finishes its running jobs and takes no new ones; `drained`: none left. */
  state: 'running' | 'draining' | 'drained';
  accounts: Array<{ id: string; name: string | null }>;
  capacity: number;
  /** Jobs running at its last heartbeat; null for workers too old to say. */
  inFlight: number | null;
  version: string;
  startedAt: string;
  lastSeenAt: string;
}

export interface WorkersView {
  mode: 'embedded' | 'distributed';
  workers: WorkerView[];
}

export interface QueueEntryView {
  requestId: string;
  /** The queued attempt's job (distributed mode, worker-served accounts); null otherwise. */
  jobId: string | null;
  /** `waiting`: for an account (admission queue) or for a worker to take its job; `active`: being answered. */
  state: 'waiting' | 'active';
  model: string;
  stream: boolean;
  /** messages, count_tokens, chat_completions or web_chat; null for a job whose gateway is gone. */
  operation: string | null;
  apiKeyId: string | null;
  apiKeyName: string | null;
  userId: string | null;
  username: string | null;
  accountId: string | null;
  accountName: string | null;
  /** The worker running its job. */
  worker: string | null;
  /** The gateway serving it; null for a job whose gateway did not answer. */
  gateway: string | null;
  since: string;
  ageMs: number;
}

export interface QueueView {
  mode: 'embedded' | 'distributed';
  /** Requests in the admission queue (cluster-wide in distributed mode). */
  depth: number;
  waiting: number;
  active: number;
  /** False when some gateway did not answer in time: its requests are missing. */
  complete: boolean;
  entries: QueueEntryView[];
}

/** The gateway-wide settings admins change at run time (docs/admin-operations.md). */
export interface SettingValues {
  /** Anyone may create a `member` account at POST /api/auth/register (REGISTRATION_OPEN). */
  registrationOpen: boolean;
  /** Limits a new key gets when its creator names none (fields above the owner's own are left out). */
  defaultKeyLimits: KeyLimitsView;
  /** Compliance: only `anthropic_api` accounts may be added, enabled or scheduled (ACCOUNTS_ANTHROPIC_API_ONLY). */
  anthropicApiOnly: boolean;
}

export interface SettingMeta {
  /** `default`: never set, the environment's value applies. */
  source: 'default' | 'database';
  updatedAt: string | null;
  /** The user who changed it last; null for the command line or a default. */
  updatedBy: string | null;
}

export interface SettingsView {
  values: SettingValues;
  defaults: SettingValues;
  meta: Record<keyof SettingValues, SettingMeta>;
  /** Accounts the compliance switch keeps out of scheduling while it is on. */
  excludedAccounts: Array<{ id: string; name: string; kind: string }>;
}

import path from 'node:path';
import { oidcConfigOf, type OidcConfig } from './oidc.js';
import { httpConfigOf, outboundConfigOf, type HttpConfig, type OutboundConfig } from './hardening.js';
import { observabilityConfigOf, type ObservabilityConfig } from './observability.js';
import { retentionConfigOf, type RetentionConfig } from './retention.js';
import { configSchema, type RawConfig } from './schema.js';
import { parseCron } from '../backup/cron.js';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** `replicaUrl`: DATABASE_REPLICA_URL, read-only reports go there (docs/high-availability.md). */
  database: { kind: 'pglite'; dir: string } | { kind: 'postgres'; url: string; replicaUrl?: string };
  masterKey: string | undefined;
  /** SWITCHYARD_PREVIOUS_MASTER_KEY: read-only during a key rotation. */
  previousMasterKey: string | undefined;
  backup: BackupConfig;
  logLevel: RawConfig['LOG_LEVEL'];
  bootstrapAnthropicApiKey: string | undefined;
  shutdownGraceMs: number;
  /** HEAP_GROWING_PERCENT: set as V8's --heap-growing-percent by the server commands (0: V8's default). */
  heapGrowingPercent: number;
  queue: { maxDepth: number; maxWaitMs: number };
  scheduler: { stickyTtlMs: number; maxFailoverAttempts: number };
  upstream: {
    streamFirstByteTimeoutMs: number;
    firstByteTimeoutMs: number;
    idleTimeoutMs: number;
  };
  requestDeadlineMs: number;
  /** RESUMABLE_STREAMS: `all` tees direct streaming answers into result streams too. */
  resumableStreams: 'all' | 'queued';
  /** The web chat: resuming answers after a dropped socket, and attachment limits. */
  chat: ChatConfig;
  stream: { pingAfterMs: number; pingIntervalMs: number };
  usage: { flushIntervalMs: number; flushBatch: number; retention: RetentionConfig };
  apiKeyCacheTtlMs: number;
  limits: { ipRequestsPerMinute: number };
  openAiRemoteImages: 'refuse' | 'forward' | 'fetch';
  /** proxy-addr trust list: the client address is read from X-Forwarded-For past these. */
  trustedProxies: string[];
  accountRefreshIntervalMs: number;
  claudeCli: ClaudeCliConfig;
  /** The distributed mode's building blocks; undefined in embedded mode (REDIS_URL and REDIS_SENTINELS unset). */
  redis: RedisConfig | undefined;
  cluster: ClusterConfig;
  auth: AuthConfig;
  /** ACCOUNTS_ANTHROPIC_API_ONLY: the compliance setting's default (admins change it at run time). */
  compliance: { anthropicApiOnly: boolean };
  http: HttpConfig;
  outbound: OutboundConfig;
  /** Usage gauges and alert webhooks (config/observability.ts). */
  observability: ObservabilityConfig;
}

export interface ChatConfig {
  resumeGraceMs: number;
  resumeMaxBytes: number;
  upload: { imageMaxBytes: number; pdfMaxBytes: number };
  /** CONVERSATION_ENCRYPTION: seal conversation content written from now on. */
  encryption: boolean;
}

export interface AuthConfig {
  registrationOpen: boolean;
  /** JWT_SECRET, if set; otherwise the signing key is derived from the master key. */
  jwtSecret: string | undefined;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  loginThrottle: { maxFailuresPerAccount: number; maxFailuresPerIp: number; windowMs: number };
  /** Single sign-on through an OpenID Connect provider; undefined when off. */
  oidc: OidcConfig | undefined;
}

export interface BackupConfig {
  /** BACKUP_CRON as given; undefined: no scheduled backups. */
  cron: string | undefined;
  keep: number;
  dir: string;
  passphrase: string | undefined;
}

/** `url` alone, or `sentinel` (with `url` lending only credentials, database and TLS). */
export interface RedisConfig {
  url?: string;
  sentinel?: { sentinels: { host: string; port: number }[]; masterName: string; password?: string };
  keyPrefix: string;
  requireNoEviction: boolean;
}

export interface ClusterConfig {
  heartbeatIntervalMs: number;
  /** A worker's metrics port (WORKER_METRICS_PORT); undefined: no metrics server. */
  metricsPort: number | undefined;
  lostAfterMs: number;
  forgetAfterMs: number;
  resultStream: { maxEntries: number; ttlMs: number };
  jobRetentionMs: number;
  /** BullMQ's lock on a running job and its stalled-check interval (JOB_LOCK_DURATION_MS). */
  jobLockMs: number;
}

export interface ClaudeCliConfig {
  /** SWITCHYARD_CLAUDE_BIN, if set. */
  binary: string | undefined;
  /** PATH, for finding `claude` and for its children. */
  searchPath: string;
  maxProcesses: number;
  warmSpares: number;
  processIdleMs: number;
  spawnsPerSecond: number;
  idleTimeoutMs: number;
  apiKeysOnly: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${variable} ${detail}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const SECRET_VARIABLES = new Set([
  'SWITCHYARD_MASTER_KEY',
  'ANTHROPIC_API_KEY',
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_SENTINEL_PASSWORD',
  'DATABASE_REPLICA_URL',
  'JWT_SECRET',
  'OIDC_CLIENT_SECRET',
  'SWITCHYARD_PREVIOUS_MASTER_KEY',
  'BACKUP_PASSPHRASE',
]);

/** Reads and validates the environment once. Empty strings count as unset. */
export function loadConfig(env: Env = process.env): Config {
  const cleaned: Env = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    const shown = SECRET_VARIABLES.has(variable)
      ? 'value hidden'
      : `got ${JSON.stringify(cleaned[variable] ?? null)}`;
    throw new ConfigError(variable, `${issue?.message ?? 'is invalid'} (${shown})`);
  }
  const raw = parsed.data;
  if (raw.WORKER_LOST_AFTER_MS <= raw.WORKER_HEARTBEAT_INTERVAL_MS) {
    throw new ConfigError(
      'WORKER_LOST_AFTER_MS',
      `must be greater than WORKER_HEARTBEAT_INTERVAL_MS (${raw.WORKER_HEARTBEAT_INTERVAL_MS}), ` +
        `or every worker is lost between two heartbeats (got ${raw.WORKER_LOST_AFTER_MS})`,
    );
  }
  const dataDir = path.resolve(raw.SWITCHYARD_DATA_DIR);
  if (raw.BACKUP_CRON !== undefined) {
    const cron = parseCron(raw.BACKUP_CRON);
    if (typeof cron === 'string')
      throw new ConfigError('BACKUP_CRON', `${cron} (got ${JSON.stringify(raw.BACKUP_CRON)})`);
  }
  const http = httpConfigOf(raw, (variable, detail) => new ConfigError(variable, detail));
  return {
    port: raw.PORT,
    host: raw.HOST,
    dataDir,
    database: raw.DATABASE_URL
      ? {
          kind: 'postgres',
          url: raw.DATABASE_URL,
          ...(raw.DATABASE_REPLICA_URL ? { replicaUrl: raw.DATABASE_REPLICA_URL } : {}),
        }
      : { kind: 'pglite', dir: path.join(dataDir, 'db') },
    masterKey: raw.SWITCHYARD_MASTER_KEY,
    previousMasterKey: raw.SWITCHYARD_PREVIOUS_MASTER_KEY,
    backup: {
      cron: raw.BACKUP_CRON,
      keep: raw.BACKUP_KEEP,
      dir: path.resolve(raw.BACKUP_DIR ?? path.join(dataDir, 'backups')),
      passphrase: raw.BACKUP_PASSPHRASE,
    },
    logLevel: raw.LOG_LEVEL,
    bootstrapAnthropicApiKey: raw.ANTHROPIC_API_KEY,
    shutdownGraceMs: raw.SHUTDOWN_GRACE_MS,
    heapGrowingPercent: raw.HEAP_GROWING_PERCENT,
    queue: { maxDepth: raw.QUEUE_MAX_DEPTH, maxWaitMs: raw.QUEUE_MAX_WAIT_MS },
    scheduler: { stickyTtlMs: raw.STICKY_TTL_SECONDS * 1000, maxFailoverAttempts: raw.MAX_FAILOVER_ATTEMPTS },
    upstream: {
      streamFirstByteTimeoutMs: raw.UPSTREAM_STREAM_FIRST_BYTE_TIMEOUT_MS,
      firstByteTimeoutMs: raw.UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
      idleTimeoutMs: raw.UPSTREAM_IDLE_TIMEOUT_MS,
    },
    requestDeadlineMs: raw.REQUEST_DEADLINE_MS,
    resumableStreams: raw.RESUMABLE_STREAMS,
    chat: {
      resumeGraceMs: raw.CHAT_RESUME_GRACE_MS,
      resumeMaxBytes: raw.CHAT_RESUME_MAX_BYTES,
      upload: { imageMaxBytes: raw.CHAT_UPLOAD_IMAGE_MAX_BYTES, pdfMaxBytes: raw.CHAT_UPLOAD_PDF_MAX_BYTES },
      encryption: raw.CONVERSATION_ENCRYPTION,
    },
    stream: { pingAfterMs: raw.STREAM_PING_AFTER_MS, pingIntervalMs: raw.STREAM_PING_INTERVAL_MS },
    usage: {
      flushIntervalMs: raw.USAGE_FLUSH_INTERVAL_MS,
      // Each statement costs the gateway more than its rows do (measured: 500 → 2000 rows per
      // statement saved ~5 % CPU per request on PostgreSQL); PGlite runs its insert on the event
      // loop, so embedded batches stay small to keep the stall short.
      flushBatch: raw.USAGE_FLUSH_BATCH ?? (raw.DATABASE_URL ? 2000 : 500),
      retention: retentionConfigOf(raw, (variable, detail) => new ConfigError(variable, detail)),
    },
    apiKeyCacheTtlMs: raw.API_KEY_CACHE_TTL_MS,
    limits: { ipRequestsPerMinute: raw.LIMIT_REQUESTS_PER_MINUTE_PER_IP },
    openAiRemoteImages: raw.OPENAI_REMOTE_IMAGES,
    trustedProxies: raw.TRUSTED_PROXIES,
    accountRefreshIntervalMs: raw.ACCOUNT_REFRESH_INTERVAL_MS,
    claudeCli: {
      binary: raw.SWITCHYARD_CLAUDE_BIN,
      searchPath: raw.PATH,
      maxProcesses: raw.CLAUDE_CLI_MAX_PROCESSES,
      warmSpares: raw.CLAUDE_CLI_WARM_SPARES,
      processIdleMs: raw.CLAUDE_CLI_PROCESS_IDLE_MS,
      spawnsPerSecond: raw.CLAUDE_CLI_SPAWNS_PER_SECOND,
      idleTimeoutMs: raw.CLAUDE_CLI_IDLE_TIMEOUT_MS,
      apiKeysOnly: raw.CLAUDE_CLI_API_KEYS_ONLY,
    },
    redis:
      raw.REDIS_URL || raw.REDIS_SENTINELS
        ? {
            ...(raw.REDIS_URL ? { url: raw.REDIS_URL } : {}),
            ...(raw.REDIS_SENTINELS ? { sentinel: sentinelOf(raw) } : {}),
            keyPrefix: raw.REDIS_KEY_PREFIX,
            requireNoEviction: raw.REDIS_REQUIRE_NOEVICTION,
          }
        : undefined,
    cluster: {
      heartbeatIntervalMs: raw.WORKER_HEARTBEAT_INTERVAL_MS,
      metricsPort: raw.WORKER_METRICS_PORT,
      lostAfterMs: raw.WORKER_LOST_AFTER_MS,
      forgetAfterMs: raw.WORKER_FORGET_AFTER_MS,
      resultStream: {
        maxEntries: raw.RESULT_STREAM_MAX_ENTRIES,
        ttlMs: raw.RESULT_STREAM_TTL_SECONDS * 1000,
      },
      jobRetentionMs: raw.JOB_RETENTION_SECONDS * 1000,
      jobLockMs: raw.JOB_LOCK_DURATION_MS,
    },
    http,
    compliance: { anthropicApiOnly: raw.ACCOUNTS_ANTHROPIC_API_ONLY },
    outbound: outboundConfigOf(raw, (variable, detail) => new ConfigError(variable, detail)),
    observability: observabilityConfigOf(raw),
    auth: {
      registrationOpen: raw.REGISTRATION_OPEN,
      jwtSecret: raw.JWT_SECRET,
      accessTokenTtlSeconds: raw.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: raw.REFRESH_TOKEN_TTL_SECONDS,
      loginThrottle: {
        maxFailuresPerAccount: raw.LOGIN_MAX_FAILURES_PER_ACCOUNT,
        maxFailuresPerIp: raw.LOGIN_MAX_FAILURES_PER_IP,
        windowMs: raw.LOGIN_FAILURE_WINDOW_SECONDS * 1000,
      },
      oidc: oidcConfigOf(raw, (variable, detail) => new ConfigError(variable, detail)),
    },
  };
}

function sentinelOf(raw: RawConfig): NonNullable<RedisConfig['sentinel']> {
  const sentinels = (raw.REDIS_SENTINELS ?? []).map((item) => {
    const colon = item.lastIndexOf(':');
    return { host: item.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(item.slice(colon + 1)) };
  });
  return {
    sentinels,
    masterName: raw.REDIS_SENTINEL_MASTER,
    ...(raw.REDIS_SENTINEL_PASSWORD ? { password: raw.REDIS_SENTINEL_PASSWORD } : {}),
  };
}

/** Reads a secret from a variable the operator named on the command line (`--api-key-env NAME`). */
export function readNamedSecret(name: string, env: Env = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Terminal variables an interactive child (`accounts login` hands the terminal to `claude`) needs. */
const TERMINAL_VARIABLES = [
  'TERM',
  'COLORTERM',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'DISPLAY',
  'WAYLAND_DISPLAY',
  'BROWSER',
];

export function readTerminalEnvironment(env: Env = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of TERMINAL_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);
const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== ''),
);
/** Origins as browsers send them: scheme, host and optional port, no path. */
const originList = commaList.refine(
  (origins) =>
    origins.every((o) => /^https?:\/\/[^/?#@\s]+$/.test(o) && URL.canParse(o) && new URL(o).origin === o),
  'must be comma-separated origins like https://app.example.com (scheme, host, optional port; no path)',
);

/** Every environment variable Switchyard reads, with its default. Nothing else reads process.env. */
export const configSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  SWITCHYARD_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave it unset for the embedded database)')
    .optional(),
  /** A read-only replica for reports (dashboard, request and audit logs); fresh reads stay on DATABASE_URL. */
  DATABASE_REPLICA_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  SWITCHYARD_MASTER_KEY: z
    .string()
    .refine((v) => decodeMasterKey(v) !== undefined, 'must be 32 bytes as 64 hex characters or base64')
    .optional(),
  /** The key being rotated away from: still accepted for reading (see docs/disaster-recovery.md). */
  SWITCHYARD_PREVIOUS_MASTER_KEY: z
    .string()
    .refine((v) => decodeMasterKey(v) !== undefined, 'must be 32 bytes as 64 hex characters or base64')
    .optional(),
  /** Scheduled backups: a 5-field cron expression in UTC, e.g. "0 3 * * *"; unset: none. */
  BACKUP_CRON: z.string().min(1).optional(),
  /** Scheduled backups kept in BACKUP_DIR; older ones are deleted. */
  BACKUP_KEEP: positiveInt.default(7),
  /** Where backups go by default; default: <data dir>/backups. */
  BACKUP_DIR: z.string().min(1).optional(),
  /** Set: scheduled backups, and `backup --encrypt`, are encrypted with it (scrypt + AES-256-GCM). */
  BACKUP_PASSPHRASE: z.string().min(12, 'must be at least 12 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Used once, at first start, to create an `anthropic_api` account instead of the mock demo. */
  ANTHROPIC_API_KEY: z.string().min(1).optional(),
  SHUTDOWN_GRACE_MS: nonNegativeInt.default(30_000),
  /**
   * The server's V8 old-generation growth between full collections, in percent (0: V8's own, up
   * to ~4x the live heap). 100 keeps a busy gateway's peak RSS ~70 MB lower at no measured cost.
   */
  HEAP_GROWING_PERCENT: nonNegativeInt.max(300).default(100),
  QUEUE_MAX_DEPTH: nonNegativeInt.default(256),
  QUEUE_MAX_WAIT_MS: nonNegativeInt.default(30_000),
  STICKY_TTL_SECONDS: positiveInt.default(3600),
  MAX_FAILOVER_ATTEMPTS: positiveInt.default(3),
  /** Time allowed for upstream response headers on streaming requests (they arrive with message_start). */
  UPSTREAM_STREAM_FIRST_BYTE_TIMEOUT_MS: positiveInt.default(60_000),
  /** Non-streaming answers arrive whole, so headers can take as long as generation. */
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: positiveInt.default(600_000),
  /** A stream that sends nothing for this long is treated as stalled. */
  UPSTREAM_IDLE_TIMEOUT_MS: positiveInt.default(120_000),
  /** The longest a request may take when the client gives no deadline of its own. */
  REQUEST_DEADLINE_MS: positiveInt.default(600_000),
  /** A streaming client that has waited this long gets its 200 and `ping` events while we wait. */
  STREAM_PING_AFTER_MS: positiveInt.default(3_000),
  STREAM_PING_INTERVAL_MS: positiveInt.default(10_000),
  USAGE_FLUSH_INTERVAL_MS: positiveInt.default(1_000),
  /** Unset: 2000 rows on PostgreSQL, 500 embedded (PGlite's insert blocks the event loop while it runs). */
  USAGE_FLUSH_BATCH: positiveInt.optional(),
  /** Ledger rows (the request log) are kept this many days (32: always a whole month); 0: for good. */
  USAGE_RETENTION_DAYS: nonNegativeInt.default(32),
  /** Hourly roll-ups are kept this many days, then only daily ones (never pruned); 0: for good. */
  USAGE_HOURLY_RETENTION_DAYS: nonNegativeInt.default(90),
  /** When roll-up and pruning run (5-field cron, UTC); "off": only `switchyard prune`. */
  USAGE_RETENTION_CRON: z.string().min(1).default('5 * * * *'),
  API_KEY_CACHE_TTL_MS: nonNegativeInt.default(30_000),
  /** Image URLs in Chat Completions requests: refuse; forward (the upstream fetches them); fetch (here, SSRF-checked). */
  OPENAI_REMOTE_IMAGES: z.enum(['refuse', 'forward', 'fetch']).default('refuse'),
  /** Model requests per minute from one client address, whatever the key; 0: no limit. */
  LIMIT_REQUESTS_PER_MINUTE_PER_IP: nonNegativeInt.default(0),
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDR ranges, or loopback/linklocal/uniquelocal); unset: none. */
  TRUSTED_PROXIES: commaList.default([]),
  ACCOUNT_REFRESH_INTERVAL_MS: positiveInt.default(5_000),
  /** The search path handed to `claude` children (their environment is otherwise built from scratch). */
  PATH: z.string().default('/usr/local/bin:/usr/bin:/bin'),
  /** The Claude Code CLI for `claude_cli` accounts; else node_modules/.bin/claude, else PATH. */
  SWITCHYARD_CLAUDE_BIN: z.string().min(1).optional(),
  /** Live `claude` processes at most, across all `claude_cli` accounts (busy, idle and warm spares). */
  CLAUDE_CLI_MAX_PROCESSES: positiveInt.default(16),
  /** Started-ahead processes kept per (account, model, system prompt, parameters) in recent use. */
  CLAUDE_CLI_WARM_SPARES: nonNegativeInt.default(1),
  /** An idle process (spare or finished conversation) is stopped after this long unused. */
  CLAUDE_CLI_PROCESS_IDLE_MS: positiveInt.default(300_000),
  /** New `claude` processes per second at most (a spawn costs ~0.6 CPU-seconds). */
  CLAUDE_CLI_SPAWNS_PER_SECOND: z.coerce.number().positive().max(1000).default(2),
  /** A turn whose process prints nothing for this long is interrupted (the CLI itself waits 300 s). */
  CLAUDE_CLI_IDLE_TIMEOUT_MS: positiveInt.default(90_000),
  /** Refuse `claude_cli` accounts that use a subscription login or OAuth token instead of an API key. */
  CLAUDE_CLI_API_KEYS_ONLY: flag.default(false),
  /** Set: the distributed mode's queue, result streams and worker registry live in this Redis. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL (leave it unset for embedded mode)')
    .optional(),
  /** Redis through Sentinel: host:port of each sentinel, comma-separated (docs/high-availability.md). */
  REDIS_SENTINELS: commaList
    .refine(
      (list) => list.length > 0 && list.every((item) => /^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(item)),
      'must be comma-separated host:port pairs, e.g. sentinel-1:26379,sentinel-2:26379',
    )
    .optional(),
  /** The master group the sentinels watch (`sentinel monitor <name> …`). */
  REDIS_SENTINEL_MASTER: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ., - or _')
    .default('mymaster'),
  /** The sentinels' own password (requirepass in sentinel.conf); the master's comes from REDIS_URL. */
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  /** Every Switchyard key in Redis starts with this (several installations may share one Redis). */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, - or _')
    .default('sy'),
  /** Refuse to start when Redis may evict keys (maxmemory-policy other than noeviction); false: warn. */
  REDIS_REQUIRE_NOEVICTION: flag.default(true),
  /** How often a worker tells the registry it is alive. */
  WORKER_HEARTBEAT_INTERVAL_MS: positiveInt.default(5_000),
  /** A worker silent this long is lost: its accounts leave the pool until it is back. */
  WORKER_LOST_AFTER_MS: positiveInt.default(15_000),
  /** A lost worker is dropped from the registry's listing after this long. */
  WORKER_FORGET_AFTER_MS: positiveInt.default(86_400_000),
  /** How often per-key/per-user usage and budget gauges are read from the ledger (ms); 0: off. */
  METRICS_USAGE_INTERVAL_MS: nonNegativeInt.default(60_000),
  /** Keys and users (each) those gauges report at most: the top spenders today, the fullest budgets. */
  METRICS_USAGE_TOP: z.coerce.number().int().min(1).max(500).default(20),
  /** Account alerts (re-auth needed, a model with every account cooling down) are POSTed here as JSON. */
  ALERT_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Set: a worker serves its Prometheus metrics (GET /metrics) and GET /health on this port. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  /** Entries a request's result stream keeps at most (the oldest are trimmed). */
  RESULT_STREAM_MAX_ENTRIES: positiveInt.default(10_000),
  /** A result stream lives this long after its last entry: the window for resuming it. */
  RESULT_STREAM_TTL_SECONDS: positiveInt.default(600),
  /**
   * Which streaming answers can be resumed: only `queued` ones (from workers; a dropped client
   * cancels a direct upstream call at once), or `all` (direct ones are copied and read to the end;
   * ~120 µs per streaming request at benchmark rates, see docs/performance.md).
   */
  RESUMABLE_STREAMS: z.enum(['all', 'queued']).default('queued'),
  /** A web chat answer whose socket dropped keeps running this long for the client to resume it. */
  CHAT_RESUME_GRACE_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /** Web chat answers' events kept in memory for resumes, all answers together (oldest dropped first). */
  CHAT_RESUME_MAX_BYTES: z.coerce.number().int().min(1_048_576).default(33_554_432),
  /** New chat titles, messages and files are sealed with the master key (docs/conversation-encryption.md). */
  CONVERSATION_ENCRYPTION: flag.default(false),
  /** Largest image a chat message may carry (the Messages API takes 5 MB per image). */
  CHAT_UPLOAD_IMAGE_MAX_BYTES: z.coerce.number().int().min(1_024).max(5_242_880).default(5_242_880),
  /** Largest PDF a chat message may carry (base64 grows it by a third; requests stop at 32 MB). */
  CHAT_UPLOAD_PDF_MAX_BYTES: z.coerce.number().int().min(1_024).max(20_971_520).default(10_485_760),
  /** Finished job ids are remembered this long: a duplicate submit within it is not run again. */
  JOB_RETENTION_SECONDS: positiveInt.default(3_600),
  /** BullMQ's lock on a running job, and its stalled-job check: a dead worker's job returns within ~2x this. */
  JOB_LOCK_DURATION_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /** Anyone may create a `member` account at POST /api/auth/register. */
  REGISTRATION_OPEN: flag.default(false),
  /** Compliance: only `anthropic_api` accounts may be added, enabled or scheduled (an admin setting; this is its default). */
  ACCOUNTS_ANTHROPIC_API_ONLY: flag.default(false),
  /** Signs access tokens (HS256); unset: derived from the master key, so every gateway shares it. */
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3_600).default(900),
  REFRESH_TOKEN_TTL_SECONDS: positiveInt.default(1_209_600),
  /** Failed logins per account, and per client IP, within the window before 429. */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: positiveInt.default(5),
  LOGIN_MAX_FAILURES_PER_IP: positiveInt.default(20),
  LOGIN_FAILURE_WINDOW_SECONDS: positiveInt.default(900),
  /** Browser origins allowed to call /v1 and /api cross-origin (comma-separated); unset: none. */
  CORS_ORIGINS: originList.default([]),
  /** Time a client has to send the request line and headers (slow-loris defence). */
  HTTP_HEADERS_TIMEOUT_MS: positiveInt.default(60_000),
  /** Time a client has to send the whole request, body included; answers may stream for longer. */
  HTTP_REQUEST_TIMEOUT_MS: positiveInt.default(300_000),
  /** An idle kept-alive connection is closed after this long (above the usual 60 s of balancers). */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(72_000),
  /** PEM files: both set, the server speaks HTTPS only and sends HSTS; neither, plain HTTP. */
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  /** Admin-set outbound URLs (account base URLs) may reach loopback, private and CGNAT addresses. */
  OUTBOUND_ALLOW_PRIVATE: flag.default(false),
  /** Hosts, IP addresses or CIDR ranges outbound URLs may reach whatever they resolve to (comma-separated). */
  OUTBOUND_ALLOWED_HOSTS: commaList.default([]),
  /** Single sign-on (OpenID Connect); all-or-nothing, checked in config/oidc.ts. See docs/sso.md. */
  OIDC_ISSUER_URL: z.url({ protocol: /^https?$/ }).optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  /** Unset: a public client (PKCE only, no client authentication). */
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** Where the provider sends the browser back: https://<host>/api/auth/oidc/callback. */
  OIDC_REDIRECT_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Where the browser goes after signing in; default: the redirect URL's origin. */
  OIDC_POST_LOGIN_URL: z.url({ protocol: /^https?$/ }).optional(),
  OIDC_SCOPES: z
    .string()
    .regex(/(^|\s)openid(\s|$)/, 'must include "openid"')
    .default('openid profile email'),
  /** The claim holding the user's groups or roles, e.g. groups, roles. */
  OIDC_ROLE_CLAIM: z.string().min(1).optional(),
  /** value=role pairs, e.g. "sy-admins=admin,sy-ops=operator,*=member"; no `*`: no match is refused. */
  OIDC_ROLE_MAP: z.string().min(1).optional(),
  /** Unset: preferred_username, else email, else sub. */
  OIDC_USERNAME_CLAIM: z.string().min(1).optional(),
  OIDC_DISPLAY_NAME: z.string().min(1).max(64).default('Single sign-on'),
});

export type RawConfig = z.infer<typeof configSchema>;

export function decodeMasterKey(value: string): Buffer | undefined {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const decoded = Buffer.from(trimmed, 'base64');
  return decoded.length === 32 ? decoded : undefined;
}

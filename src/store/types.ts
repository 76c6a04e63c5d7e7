/**
 * The store's contract: plain records and one repository per aggregate. Services depend on these
 * types only, never on a database driver.
 */
import type { KeyLimits } from '../identity/key-limits.js';
import type { AccountKind } from '../upstreams/types.js';
import type { ChatAttachmentRepository } from './attachment-types.js';
import type { ConversationHistoryRepository } from './conversation-history-types.js';
import type { ConversationRepository } from './conversation-types.js';
import type { ModelRepository } from './model-types.js';
import type { UsageRollupRepository } from './usage-rollup-types.js';
import type { SettingsRepository } from './settings-types.js';
import type { StoreReplica } from './read-replica.js';

export type * from './attachment-types.js';
export type * from './conversation-history-types.js';
export type * from './conversation-types.js';
export type * from './model-types.js';
export type * from './usage-rollup-types.js';
export type * from './settings-types.js';

export const ACCOUNT_STATES = ['active', 'cooling_down', 'needs_reauth', 'disabled'] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

export const USER_ROLES = ['admin', 'operator', 'member', 'viewer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface AccountRecord {
  id: string;
  name: string;
  kind: AccountKind;
  baseUrl: string | null;
  /** AES-256-GCM envelope (see identity/secret-box); never leaves the server. */
  encryptedCredential: string | null;
  maxConcurrency: number;
  /** Lower numbers are tried first. */
  priority: number;
  weight: number;
  /** Model ids this account serves; null serves any model its upstream accepts. */
  models: string[] | null;
  settings: Record<string, unknown>;
  state: AccountState;
  stateReason: string | null;
  cooldownUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewAccount = Omit<
  AccountRecord,
  'createdAt' | 'updatedAt' | 'state' | 'stateReason' | 'cooldownUntil'
> &
  Partial<Pick<AccountRecord, 'state' | 'stateReason' | 'cooldownUntil'>>;

export type AccountPatch = Partial<Omit<AccountRecord, 'id' | 'kind' | 'createdAt' | 'updatedAt'>>;

export interface AccountRepository {
  list(): Promise<AccountRecord[]>;
  get(id: string): Promise<AccountRecord | undefined>;
  getByName(name: string): Promise<AccountRecord | undefined>;
  /** Throws StoreConflictError when the name is taken. */
  insert(account: NewAccount): Promise<AccountRecord>;
  update(id: string, patch: AccountPatch): Promise<AccountRecord | undefined>;
  remove(id: string): Promise<boolean>;
  count(): Promise<number>;
}

export interface UserRecord {
  id: string;
  username: string;
  passwordHash: string;
  role: UserRole;
  mustChangePassword: boolean;
  createdAt: Date;
  disabledAt: Date | null;
  /** The ceiling of every key the user owns. */
  limits: KeyLimits;
  /** Models the user's keys may use; null: every model. */
  allowedModels: string[] | null;
}

export type NewUser = Omit<UserRecord, 'createdAt' | 'disabledAt' | 'limits' | 'allowedModels'> &
  Partial<Pick<UserRecord, 'limits' | 'allowedModels'>>;

/** What may change on a user; id, username and creation time never do. */
export type UserPatch = Partial<
  Pick<UserRecord, 'passwordHash' | 'role' | 'mustChangePassword' | 'disabledAt' | 'limits' | 'allowedModels'>
>;

export interface UserRepository {
  insert(user: NewUser): Promise<UserRecord>;
  get(id: string): Promise<UserRecord | undefined>;
  getByUsername(username: string): Promise<UserRecord | undefined>;
  /** Oldest first. */
  list(): Promise<UserRecord[]>;
  update(id: string, patch: UserPatch): Promise<UserRecord | undefined>;
  /** Admins that are not disabled. */
  countActiveAdmins(): Promise<number>;
  /** The oldest admin, who owns keys made from the command line. */
  firstAdmin(): Promise<UserRecord | undefined>;
  count(): Promise<number>;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** SHA-256 of the whole secret, hex. The secret itself is never stored. */
  keyHash: string;
  /** The first characters of the secret, to recognise a key in lists. */
  keyPrefix: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  limits: KeyLimits;
  /** Models this key may use (ids or aliases); null: whatever its owner may use. */
  allowedModels: string[] | null;
  /** Opt-in to the requested model's fallback chain when its accounts are all cooling down. */
  modelFallback: boolean;
}

export type NewApiKey = Omit<
  ApiKeyRecord,
  'createdAt' | 'revokedAt' | 'lastUsedAt' | 'limits' | 'allowedModels' | 'modelFallback'
> &
  Partial<Pick<ApiKeyRecord, 'limits' | 'allowedModels' | 'modelFallback'>>;

export interface ApiKeyCredential {
  key: ApiKeyRecord;
  owner: Pick<UserRecord, 'limits' | 'allowedModels' | 'disabledAt'>;
}

/** What may change on a key after creation. */
export type ApiKeyPatch = Partial<
  Pick<ApiKeyRecord, 'name' | 'expiresAt' | 'limits' | 'allowedModels' | 'modelFallback'>
>;

export interface ApiKeyRepository {
  insert(key: NewApiKey): Promise<ApiKeyRecord>;
  /** Looked up by hash with a parameterized query; revoked keys are returned too (callers check). */
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** The key and what its owner allows, in one query: what authentication needs. */
  findCredential(keyHash: string): Promise<ApiKeyCredential | undefined>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  list(filter?: { userId?: string }): Promise<ApiKeyRecord[]>;
  /** Returns false when there is no such key or it was already revoked. */
  revoke(id: string, at: Date): Promise<boolean>;
  update(id: string, patch: ApiKeyPatch): Promise<ApiKeyRecord | undefined>;
  touchLastUsed(ids: readonly string[], at: Date): Promise<void>;
}

export interface UsageRecord {
  requestId: string;
  apiKeyId: string | null;
  userId: string | null;
  accountId: string | null;
  model: string;
  /** What the client asked for, when an alias or a fallback made `model` differ from it. */
  requestedModel: string | null;
  stream: boolean;
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
  /** HTTP status the client saw (499 when the client went away first). */
  status: number;
  errorType: string | null;
  latencyMs: number;
  ttftMs: number | null;
  costUsd: number;
  createdAt: Date;
}

export interface UsageRepository {
  /** Idempotent: rows whose request id is already recorded are skipped. Returns rows inserted. */
  insertMany(rows: readonly UsageRecord[]): Promise<number>;
  list(filter?: { requestId?: string; apiKeyId?: string; limit?: number }): Promise<UsageRecord[]>;
  /** A key's or a user's spend since a time: USD, and tokens other than cache reads. */
  spendSince(
    owner: { apiKeyId: string } | { userId: string },
    since: Date,
  ): Promise<{ usd: number; tokens: number }>;
  count(): Promise<number>;
}

/** Aggregates over the ledger rows of one time interval (a dashboard bucket, or a whole window). */
export interface UsageAggregate {
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

export interface UsageAccountAggregate {
  accountId: string | null;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface UsageRequestFilter {
  apiKeyId?: string;
  userId?: string;
  accountId?: string;
  model?: string;
  /** Inclusive status range: one code (200–200) or a class (500–599). */
  status?: { min: number; max: number };
  from?: Date;
  to?: Date;
  /** Keyset pagination: rows strictly older than this (createdAt, requestId). */
  before?: { at: Date; requestId: string };
  limit: number;
}

/** A ledger row with the names its ids had when read (null once the key, user or account is gone). */
export interface UsageRequestRow extends UsageRecord {
  apiKeyName: string | null;
  username: string | null;
  accountName: string | null;
}

/** Reads over the ledger for the admin dashboard and request log; every read is bounded. */
export interface UsageReportRepository {
  /** Aggregates per bucket of `bucketSeconds` in [from, to); buckets without rows are left out. */
  buckets(from: Date, to: Date, bucketSeconds: number): Promise<Array<UsageAggregate & { start: Date }>>;
  totals(from: Date, to: Date): Promise<UsageAggregate>;
  byAccount(from: Date, to: Date): Promise<UsageAccountAggregate[]>;
  /** Newest first. */
  requests(filter: UsageRequestFilter): Promise<UsageRequestRow[]>;
  /**
   * Spend per key or per user since a time (cost first, at most `limit` owners); with `ids`, of
   * those owners only. Tokens as budgets count them: all but cache reads.
   */
  spendByOwner(query: OwnerSpendQuery): Promise<OwnerSpend[]>;
}

export interface OwnerSpendQuery {
  scope: 'key' | 'user';
  since: Date;
  ids?: readonly string[];
  limit: number;
}

/** A key's or a user's spend; `name` is the key's name or the username (null once deleted). */
export interface OwnerSpend {
  id: string;
  name: string | null;
  usd: number;
  tokens: number;
}

export interface AuditEntry {
  id: string;
  at: Date;
  actorType: 'user' | 'api_key' | 'system' | 'cli';
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'> & { at?: Date };

/** Newest first. `before` is a keyset cursor: entries strictly older than (at, id). */
export interface AuditFilter {
  action?: string;
  actorId?: string;
  targetId?: string;
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
  before?: { at: Date; id: string };
  limit?: number;
}

export interface AuditRepository {
  /** Append-only: there is no update or delete. */
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  list(filter?: AuditFilter): Promise<AuditEntry[]>;
}

export interface RefreshTokenRecord {
  id: string;
  /** Every token descending from one login shares it. */
  familyId: string;
  userId: string;
  /** SHA-256 of the token, hex. The token itself is never stored. */
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date;
  /** Set when this token was exchanged for its successor. */
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

export type NewRefreshToken = Omit<RefreshTokenRecord, 'createdAt' | 'rotatedAt' | 'revokedAt'>;

export interface RefreshTokenRepository {
  insert(token: NewRefreshToken): Promise<RefreshTokenRecord>;
  findByHash(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Marks a live token rotated. Returns false when it was already rotated or revoked, so of two
   * racing refreshes with one token exactly one wins.
   */
  markRotated(id: string, at: Date): Promise<boolean>;
  /** Revokes every token of the family that is not revoked yet; returns how many. */
  revokeFamily(familyId: string, at: Date): Promise<number>;
  /** Revokes every live token of the user (password change, disable). */
  revokeUser(userId: string, at: Date): Promise<number>;
  /**
   * False once any token of the family was revoked (logout, reuse, password change) or when it
   * never existed. A family is never revived: a token inserted after a revocation is dead too.
   */
  isFamilyLive(familyId: string): Promise<boolean>;
}

/** A user's link to an OpenID Connect provider's account: issuer and subject, stable for life. */
export interface OidcIdentityRecord {
  issuer: string;
  subject: string;
  userId: string;
  createdAt: Date;
  lastLoginAt: Date | null;
}

export interface OidcIdentityRepository {
  find(issuer: string, subject: string): Promise<OidcIdentityRecord | undefined>;
  /**
   * Creates the user and its link in one transaction. Throws StoreConflictError when the link
   * exists already (a racing first login) or the username is taken; nothing is written then.
   */
  insertWithUser(user: NewUser, link: { issuer: string; subject: string }): Promise<UserRecord>;
  touch(issuer: string, subject: string, at: Date): Promise<void>;
}

export interface Store {
  readonly kind: 'pglite' | 'postgres';
  accounts: AccountRepository;
  users: UserRepository;
  apiKeys: ApiKeyRepository;
  usage: UsageRepository;
  usageReports: UsageReportRepository;
  /** Hourly and daily roll-ups of the ledger, and its pruning (docs/retention.md). */
  usageRollups: UsageRollupRepository;
  audit: AuditRepository;
  refreshTokens: RefreshTokenRepository;
  oidcIdentities: OidcIdentityRepository;
  models: ModelRepository;
  conversations: ConversationRepository;
  /** History search (may read from the replica) and imports. */
  conversationHistory: ConversationHistoryRepository;
  chatAttachments: ChatAttachmentRepository;
  /** Gateway-wide settings (services/settings.ts). */
  settings: SettingsRepository;
  /** The read replica report reads go to (DATABASE_REPLICA_URL); absent without one. */
  readonly replica?: StoreReplica;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// The store's errors live in errors.ts; exported here too, where every caller imports them from.
export * from './errors.js';

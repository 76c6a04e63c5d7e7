/**
 * The one schema, in PostgreSQL's dialect: PGlite runs the same engine, so both databases share
 * these tables and the migrations generated from them. Ids are made by the application.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { AccountKind } from '../upstreams/types.js';
import type { KeyLimits } from '../identity/key-limits.js';
import type { AccountState, AuditEntry, UserRole } from './types.js';
import { messageSearchVector } from './message-text-sql.js';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    username: text('username').notNull().unique('users_username_unique'),
    passwordHash: text('password_hash').notNull(),
    role: text('role').$type<UserRole>().notNull(),
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    disabledAt: timestamptz('disabled_at'),
    // The ceiling for every key the user owns (see identity/key-limits).
    limits: jsonb('limits').$type<KeyLimits>().notNull().default({}),
    // Model ids (or aliases) the user's keys may use; null allows every model.
    allowedModels: jsonb('allowed_models').$type<string[]>(),
  },
  (t) => [check('users_role_check', sql`${t.role} in ('admin', 'operator', 'member', 'viewer')`)],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    keyHash: text('key_hash').notNull().unique('api_keys_key_hash_unique'),
    keyPrefix: text('key_prefix').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    expiresAt: timestamptz('expires_at'),
    revokedAt: timestamptz('revoked_at'),
    lastUsedAt: timestamptz('last_used_at'),
    limits: jsonb('limits').$type<KeyLimits>().notNull().default({}),
    allowedModels: jsonb('allowed_models').$type<string[]>(),
    // Opt-in: when every account of the requested model is cooling down, use its fallback chain.
    modelFallback: boolean('model_fallback').notNull().default(false),
  },
  (t) => [index('api_keys_user_id_idx').on(t.userId)],
);

export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull().unique('accounts_name_unique'),
    // No CHECK: new upstream kinds should not need a migration.
    kind: text('kind').$type<AccountKind>().notNull(),
    baseUrl: text('base_url'),
    encryptedCredential: text('encrypted_credential'),
    maxConcurrency: integer('max_concurrency').notNull(),
    priority: integer('priority').notNull(),
    weight: integer('weight').notNull(),
    models: jsonb('models').$type<string[]>(),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    state: text('state').$type<AccountState>().notNull().default('active'),
    stateReason: text('state_reason'),
    cooldownUntil: timestamptz('cooldown_until'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('accounts_state_check', sql`${t.state} in ('active', 'cooling_down', 'needs_reauth', 'disabled')`),
  ],
);

// The ledger has no foreign keys on purpose: deleting an account, key or user keeps its history.
export const usage = pgTable(
  'usage',
  {
    requestId: text('request_id').primaryKey(),
    apiKeyId: uuid('api_key_id'),
    userId: uuid('user_id'),
    accountId: uuid('account_id'),
    model: text('model').notNull(),
    // What the client asked for, when an alias or a fallback chain made `model` differ from it.
    requestedModel: text('requested_model'),
    stream: boolean('stream').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    cacheCreationInputTokens: integer('cache_creation_input_tokens').notNull(),
    cacheReadInputTokens: integer('cache_read_input_tokens').notNull(),
    status: integer('status').notNull(),
    errorType: text('error_type'),
    latencyMs: integer('latency_ms').notNull(),
    ttftMs: integer('ttft_ms'),
    costUsd: numeric('cost_usd', { precision: 14, scale: 6, mode: 'number' }).notNull(),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [
    index('usage_created_at_idx').on(t.createdAt),
    index('usage_api_key_id_idx').on(t.apiKeyId),
    // Budgets read a key's or a user's spend since the start of the day or month.
    index('usage_api_key_id_created_at_idx').on(t.apiKeyId, t.createdAt),
    index('usage_user_id_created_at_idx').on(t.userId, t.createdAt),
    index('usage_account_id_idx').on(t.accountId),
  ],
);

// Roll-ups of the ledger (docs/retention.md), one row per bucket and (key, user, account, model,
// status). Ids the ledger row lacks are stored as the nil UUID so the dimensions can be the
// primary key: a roll-up is then an idempotent upsert. The histograms count rows per latency
// bucket (store/latency-histogram.ts) so long windows still get percentiles.
const usageRollupColumns = () => ({
  bucketStart: timestamptz('bucket_start').notNull(),
  apiKeyId: uuid('api_key_id').notNull(),
  userId: uuid('user_id').notNull(),
  accountId: uuid('account_id').notNull(),
  model: text('model').notNull(),
  status: integer('status').notNull(),
  requests: bigint('requests', { mode: 'number' }).notNull(),
  inputTokens: bigint('input_tokens', { mode: 'number' }).notNull(),
  outputTokens: bigint('output_tokens', { mode: 'number' }).notNull(),
  cacheCreationInputTokens: bigint('cache_creation_input_tokens', { mode: 'number' }).notNull(),
  cacheReadInputTokens: bigint('cache_read_input_tokens', { mode: 'number' }).notNull(),
  costUsd: numeric('cost_usd', { precision: 18, scale: 6, mode: 'number' }).notNull(),
  latencyMsSum: bigint('latency_ms_sum', { mode: 'number' }).notNull(),
  latencyMsMax: integer('latency_ms_max').notNull(),
  ttftCount: bigint('ttft_count', { mode: 'number' }).notNull(),
  ttftMsSum: bigint('ttft_ms_sum', { mode: 'number' }).notNull(),
  ttftMsMax: integer('ttft_ms_max').notNull(),
  latencyHistogram: integer('latency_histogram').array().notNull(),
  ttftHistogram: integer('ttft_histogram').array().notNull(),
});

export const usageHourly = pgTable('usage_hourly', usageRollupColumns(), (t) => [
  primaryKey({
    name: 'usage_hourly_pkey',
    columns: [t.bucketStart, t.apiKeyId, t.userId, t.accountId, t.model, t.status],
  }),
  // Budgets over periods whose ledger rows were pruned.
  index('usage_hourly_api_key_id_idx').on(t.apiKeyId, t.bucketStart),
  index('usage_hourly_user_id_idx').on(t.userId, t.bucketStart),
]);

export const usageDaily = pgTable('usage_daily', usageRollupColumns(), (t) => [
  primaryKey({
    name: 'usage_daily_pkey',
    columns: [t.bucketStart, t.apiKeyId, t.userId, t.accountId, t.model, t.status],
  }),
  index('usage_daily_api_key_id_idx').on(t.apiKeyId, t.bucketStart),
  index('usage_daily_user_id_idx').on(t.userId, t.bucketStart),
]);

// How far roll-up and pruning have got: `rolled_through`, `raw_pruned_before`,
// `hourly_pruned_before`. Readers take them in the same statement as the rows they bound.
export const usageWatermarks = pgTable('usage_watermarks', {
  name: text('name').primaryKey(),
  at: timestamptz('at').notNull(),
});

// The model catalogue as admins edited it. Shipped entries (gateway/catalogue/shipped.ts) are not
// stored: a row here overrides the shipped entry of the same id, and `removed` hides one. So a new
// release's shipped models and prices apply at once, except where an admin decided otherwise.
export const models = pgTable('models', {
  id: text('id').primaryKey(),
  displayName: text('display_name').notNull(),
  contextWindow: integer('context_window').notNull(),
  maxOutput: integer('max_output').notNull(),
  // USD per million tokens.
  inputPrice: numeric('input_price', { precision: 12, scale: 6, mode: 'number' }).notNull(),
  outputPrice: numeric('output_price', { precision: 12, scale: 6, mode: 'number' }).notNull(),
  cacheWritePrice: numeric('cache_write_price', { precision: 12, scale: 6, mode: 'number' }).notNull(),
  cacheReadPrice: numeric('cache_read_price', { precision: 12, scale: 6, mode: 'number' }).notNull(),
  // Model ids or aliases to try, in order, for keys that opted in.
  fallbacks: jsonb('fallbacks').$type<string[]>().notNull().default([]),
  releasedAt: timestamptz('released_at'),
  removed: boolean('removed').notNull().default(false),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});

// Admin aliases, overriding shipped ones of the same name; a null model hides a shipped alias.
export const modelAliases = pgTable('model_aliases', {
  alias: text('alias').primaryKey(),
  modelId: text('model_id'),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});

// Append-only: a trigger in the migrations rejects UPDATE, DELETE and TRUNCATE.
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey(),
    at: timestamptz('at').notNull().defaultNow(),
    actorType: text('actor_type').$type<AuditEntry['actorType']>().notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    ip: text('ip'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('audit_log_at_idx').on(t.at),
    index('audit_log_action_idx').on(t.action),
    index('audit_log_actor_id_idx').on(t.actorId, t.at),
    index('audit_log_target_id_idx').on(t.targetId, t.at),
  ],
);

// Refresh tokens are stored hashed. A login starts a family; each refresh rotates to a new token
// of the same family. Presenting a rotated token again is theft: the whole family is revoked.
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    familyId: uuid('family_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique('refresh_tokens_token_hash_unique'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    expiresAt: timestamptz('expires_at').notNull(),
    rotatedAt: timestamptz('rotated_at'),
    revokedAt: timestamptz('revoked_at'),
  },
  (t) => [
    index('refresh_tokens_family_id_idx').on(t.familyId),
    index('refresh_tokens_user_id_idx').on(t.userId),
  ],
);

// Single sign-on: a user signed in through an OpenID Connect provider is linked by the provider's
// issuer and subject, never by username or email (both can change or be reused). See docs/sso.md.
export const oidcIdentities = pgTable(
  'oidc_identities',
  {
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    userId: uuid('user_id')
      .notNull()
      .unique('oidc_identities_user_id_unique')
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    lastLoginAt: timestamptz('last_login_at'),
  },
  (t) => [primaryKey({ name: 'oidc_identities_pkey', columns: [t.issuer, t.subject] })],
);

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title'),
    pinned: boolean('pinned').notNull().default(false),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [index('conversations_user_id_idx').on(t.userId, t.updatedAt)],
);

export const conversationMessages = pgTable(
  'conversation_messages',
  {
    id: uuid('id').primaryKey(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    content: jsonb('content').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('conversation_messages_conversation_id_idx').on(t.conversationId, t.createdAt),
    // History search (docs/chat-history.md); queries build the same expression from one function.
    index('conversation_messages_search_idx').using('gin', messageSearchVector(t.content)),
  ],
);

// Files attached to web chat questions (docs/web-chat-resume-uploads.md): uploaded first, then
// claimed by the conversation whose question carries them; unclaimed ones are swept after a while.
export const chatAttachments = pgTable(
  'chat_attachments',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    mediaType: text('media_type').notNull(),
    size: integer('size').notNull(),
    // Base64, the form the Messages API takes: a turn sends it without encoding it again.
    data: text('data').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('chat_attachments_user_id_idx').on(t.userId, t.createdAt),
    index('chat_attachments_conversation_id_idx').on(t.conversationId),
  ],
);

// Gateway-wide settings admins change at run time (docs/admin-operations.md): one row per setting,
// its value as JSON; a setting without a row has its default from the environment.
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  // The user who last changed it; null for the command line (local admin token).
  updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});

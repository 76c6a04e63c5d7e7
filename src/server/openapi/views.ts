/**
 * Schemas of the main answers, for the OpenAPI document only. Each is typed against the service's
 * own view interface, so a field added there and not here fails to compile, and
 * test/api/openapi.test.ts checks real answers against them.
 */
import { z } from 'zod';
import { keyLimitsSchema } from '../../identity/key-limits.js';
import { PERMISSIONS } from '../../identity/roles.js';
import type { AccountTestView, AccountView, ApiKeyView } from '../../services/admin-types.js';
import type { AuditEntryView } from '../../services/audit-log.js';
import type { UserView } from '../../services/auth-types.js';
import type { AliasView, ModelView } from '../../services/model-catalogue-types.js';
import { ACCOUNT_STATES, USER_ROLES } from '../../store/types.js';
import { ACCOUNT_KINDS } from '../../upstreams/types.js';
import { named, type NamedSchema } from './route-doc.js';

const timestamp = z.iso.datetime({ offset: true });
const models = z.array(z.string()).nullable();

const account: z.ZodType<AccountView> = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(ACCOUNT_KINDS),
  simulated: z.boolean(),
  baseUrl: z.string().nullable(),
  hasCredential: z.boolean(),
  maxConcurrency: z.number().int(),
  priority: z.number().int(),
  weight: z.number().int(),
  models,
  state: z.enum(ACCOUNT_STATES),
  stateReason: z.string().nullable(),
  cooldownUntil: timestamp.nullable(),
  inFlight: z.number().int().nullable(),
  createdAt: timestamp,
});

const accountTest: z.ZodType<AccountTestView> = z.object({
  account: z.string(),
  ok: z.boolean(),
  status: z.number().int().nullable(),
  detail: z.string(),
  latencyMs: z.number(),
});

const apiKey: z.ZodType<ApiKeyView> = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  userId: z.string(),
  createdAt: timestamp,
  expiresAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
  lastUsedAt: timestamp.nullable(),
  limits: keyLimitsSchema,
  models,
  modelFallback: z.boolean(),
});

const userShape = {
  id: z.string(),
  username: z.string(),
  role: z.enum(USER_ROLES),
  mustChangePassword: z.boolean(),
  createdAt: timestamp,
  disabledAt: timestamp.nullable(),
  limits: keyLimitsSchema,
  models,
};
const user: z.ZodType<UserView> = z.object(userShape);

const auditEntry: z.ZodType<AuditEntryView> = z.object({
  id: z.string(),
  at: timestamp,
  actorType: z.enum(['user', 'api_key', 'system', 'cli']),
  actorId: z.string().nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  ip: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

const catalogueSource = z.enum(['shipped', 'edited', 'custom']);

const model: z.ZodType<ModelView> = z.object({
  id: z.string(),
  displayName: z.string(),
  contextWindow: z.number().int(),
  maxOutput: z.number().int(),
  inputPrice: z.number(),
  outputPrice: z.number(),
  cacheWritePrice: z.number(),
  cacheReadPrice: z.number(),
  fallbacks: z.array(z.string()),
  releasedAt: timestamp.nullable(),
  aliases: z.array(z.string()),
  source: catalogueSource,
  removed: z.boolean(),
});

const alias: z.ZodType<AliasView> = z.object({
  alias: z.string(),
  model: z.string().nullable(),
  source: catalogueSource,
});

const listOf = (id: string, item: z.ZodType): NamedSchema => named(id, z.object({ data: z.array(item) }));

export const views = {
  account: named('Account', account),
  accounts: listOf('AccountList', account),
  accountTest: named('AccountTest', accountTest),
  apiKey: named('ApiKey', apiKey),
  apiKeys: listOf('ApiKeyList', apiKey),
  createdKey: named('CreatedApiKey', z.object({ key: apiKey, secret: z.string() })),
  user: named('User', user),
  users: listOf('UserList', user),
  createdUser: named('CreatedUser', z.object({ user, password: z.string().optional() })),
  me: named('Me', z.object({ ...userShape, permissions: z.array(z.enum(PERMISSIONS)) })),
  session: named(
    'Session',
    z.object({
      access_token: z.string(),
      token_type: z.literal('Bearer'),
      expires_in: z.number().int(),
      user,
    }),
  ),
  providers: named(
    'SignInMethods',
    z.object({
      password: z.boolean(),
      oidc: z.object({ enabled: z.boolean(), name: z.string().optional(), login_url: z.string().optional() }),
    }),
  ),
  auditPage: named('AuditPage', z.object({ data: z.array(auditEntry), next_cursor: z.string().nullable() })),
  model: named('Model', model),
  models: listOf('ModelList', model),
  alias: named('Alias', alias),
  aliases: listOf('AliasList', alias),
} as const;

/** Every error this API sends: `{"type":"error","error":{"type","message"},"request_id"}`. */
export const errorBody = named(
  'Error',
  z.object({
    type: z.literal('error'),
    error: z.object({ type: z.string(), message: z.string() }),
    request_id: z.string().optional(),
  }),
);

/** Errors of POST /v1/chat/completions, in OpenAI's shape. */
export const openAiErrorBody = named(
  'OpenAiError',
  z.object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  }),
);

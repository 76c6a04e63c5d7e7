import { z } from 'zod';
import { keyLimitsSchema, type KeyLimits } from '../identity/key-limits.js';
import { ACCOUNT_KINDS, type AccountKind } from '../upstreams/types.js';
import type { AccountState } from '../store/types.js';
import type { ModelView } from './model-catalogue-types.js';
import type {
  AccountKind as AccountKindView,
  AccountState as AccountStateView,
  AccountTestView,
  AccountView,
  Agree,
  ApiKeyView,
  KeyLimitsView,
  Same,
} from './admin-views.js';

export type { AccountTestView, AccountView, ApiKeyView } from './admin-views.js';

/** Fails to compile when the server's unions drift from their copies in admin-views.ts. */
export type AdminViewsAgree = [
  Agree<Same<AccountState, AccountStateView>>,
  Agree<Same<AccountKind, AccountKindView>>,
  Agree<Same<KeyLimits, KeyLimitsView>>,
];

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const nameSchema = z
  .string()
  .regex(NAME, 'must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit');

const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:$/.test(new URL(value).protocol), 'must be an http:// or https:// URL');

export const newAccountInput = z.strictObject({
  kind: z.enum(ACCOUNT_KINDS),
  name: nameSchema,
  apiKey: z.string().min(1).max(4096).optional(),
  baseUrl: httpUrl.optional(),
  maxConcurrency: z.number().int().min(1).max(10_000).default(8),
  priority: z.number().int().min(0).max(1_000_000).default(10),
  weight: z.number().int().min(1).max(1_000).default(1),
  models: z.array(z.string().min(1).max(256)).max(1000).nullable().default(null),
  settings: z.record(z.string(), z.unknown()).default({}),
});
export type NewAccountInput = z.input<typeof newAccountInput>;

export const accountPatchInput = z.strictObject({
  apiKey: z.string().min(1).max(4096).optional(),
  baseUrl: httpUrl.nullable().optional(),
  maxConcurrency: z.number().int().min(1).max(10_000).optional(),
  priority: z.number().int().min(0).max(1_000_000).optional(),
  weight: z.number().int().min(1).max(1_000).optional(),
  models: z.array(z.string().min(1).max(256)).max(1000).nullable().optional(),
  /** Admins may only enable or disable; cooldowns and re-auth are the scheduler's to set. */
  state: z.enum(['active', 'disabled']).optional(),
});
export type AccountPatchInput = z.input<typeof accountPatchInput>;

const modelList = z.array(z.string().min(1).max(256)).min(1).max(200);

/** What a key may do: its limits, its models (null: all its owner may use), fallback opt-in. */
const keyAccessFields = {
  limits: keyLimitsSchema.optional(),
  models: modelList.nullable().optional(),
  modelFallback: z.boolean().optional(),
};

export const newApiKeyInput = z.strictObject({
  name: nameSchema,
  expiresAt: z.iso.datetime().optional(),
  ...keyAccessFields,
});
export type NewApiKeyInput = z.input<typeof newApiKeyInput>;

/** A key's settings after creation; its secret and owner never change. */
export const apiKeyPatchInput = z.strictObject({
  name: nameSchema.optional(),
  expiresAt: z.iso.datetime().nullable().optional(),
  ...keyAccessFields,
});
export type ApiKeyPatchInput = z.input<typeof apiKeyPatchInput>;

/** An admin's change to a user's ceiling: the limits and models every key of theirs is held to. */
export const userLimitsInput = z.strictObject({
  limits: keyLimitsSchema.optional(),
  models: modelList.nullable().optional(),
});
export type UserLimitsInput = z.input<typeof userLimitsInput>;

/** The admin use cases, served either by a running server over HTTP or directly from the store. */
export interface AdminOperations {
  addAccount(input: NewAccountInput): Promise<AccountView>;
  listAccounts(): Promise<AccountView[]>;
  updateAccount(ref: string, patch: AccountPatchInput): Promise<AccountView>;
  removeAccount(ref: string): Promise<void>;
  testAccount(ref: string): Promise<AccountTestView>;
  createKey(input: NewApiKeyInput): Promise<{ key: ApiKeyView; secret: string }>;
  listKeys(): Promise<ApiKeyView[]>;
  revokeKey(ref: string): Promise<ApiKeyView>;
  listModels(): Promise<ModelView[]>;
  updateKey(ref: string, patch: ApiKeyPatchInput): Promise<ApiKeyView>;
}

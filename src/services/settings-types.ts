import { z } from 'zod';
import { keyLimitsSchema } from '../identity/key-limits.js';
import type { Agree, Same, SettingValues } from './admin-views.js';

export type { SettingMeta, SettingsView } from './admin-views.js';

/**
 * The gateway-wide settings admins change at run time (docs/admin-operations.md). Each is stored
 * as its own row; one that was never set has its default from the environment.
 */
export const settingsSchema = z.strictObject({
  /** Anyone may create a `member` account at POST /api/auth/register (REGISTRATION_OPEN). */
  registrationOpen: z.boolean(),
  /** Limits a new key gets when its creator names none (fields above the owner's own are left out). */
  defaultKeyLimits: keyLimitsSchema,
  /** Compliance: only `anthropic_api` accounts may be added, enabled or scheduled (ACCOUNTS_ANTHROPIC_API_ONLY). */
  anthropicApiOnly: z.boolean(),
});
export type Settings = z.infer<typeof settingsSchema>;
export type SettingKey = keyof Settings;
/** Fails to compile when the settings drift from their copy in admin-views.ts. */
export type SettingsViewAgrees = Agree<Same<Settings, SettingValues>>;
export const SETTING_KEYS = Object.keys(settingsSchema.shape) as SettingKey[];

export const settingsPatchInput = settingsSchema
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, 'name at least one setting to change');
export type SettingsPatchInput = z.input<typeof settingsPatchInput>;

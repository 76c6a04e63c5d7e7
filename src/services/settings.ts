import type { Config } from '../config/index.js';
import { LIMIT_NAMES, type KeyLimits } from '../identity/key-limits.js';
import type {
  AccountRepository,
  AuditRepository,
  SettingRecord,
  SettingsRepository,
} from '../store/types.js';
import type { AuditContext } from './audit-context.js';
import { parseInput } from './parse-input.js';
import {
  SETTING_KEYS,
  settingsPatchInput,
  settingsSchema,
  type SettingKey,
  type Settings,
  type SettingsView,
} from './settings-types.js';

export interface SettingsServiceDeps {
  repository: SettingsRepository;
  audit: AuditRepository;
  accounts: AccountRepository;
  /** What applies to a setting never set: the environment's values. */
  defaults: Settings;
  /** After this process changed settings: other gateways must load them again (cluster feed). */
  onChange?: () => void;
  actor?: { type: 'user' | 'cli' | 'system'; id: string | null };
}

/** The settings' defaults from the environment (REGISTRATION_OPEN, ACCOUNTS_ANTHROPIC_API_ONLY). */
export function defaultSettings(config: Pick<Config, 'auth' | 'compliance'>): Settings {
  return {
    registrationOpen: config.auth.registrationOpen,
    defaultKeyLimits: {},
    anthropicApiOnly: config.compliance.anthropicApiOnly,
  };
}

/** The one account kind the compliance switch admits. */
export const COMPLIANT_KIND = 'anthropic_api';

export function complianceRefusal(kind: string): string {
  return (
    `The compliance setting "anthropic_api accounts only" is on: ${kind} accounts cannot be added or ` +
    'enabled. An admin can turn it off under Settings (PATCH /api/admin/settings {"anthropicApiOnly": false}).'
  );
}

/**
 * Gateway-wide settings, held in memory for the synchronous checks of the request path and the
 * services (registration, key defaults, the compliance switch), loaded from the database at start,
 * after every change here, and when another gateway announces one. Every change is audited.
 */
export class SettingsService {
  private current: Settings;
  private records = new Map<SettingKey, SettingRecord>();
  private readonly listeners = new Set<(settings: Settings) => void>();

  constructor(private readonly deps: SettingsServiceDeps) {
    this.current = { ...deps.defaults };
  }

  get values(): Readonly<Settings> {
    return this.current;
  }

  /** Calls `listener` with the new values whenever they change (here or, once loaded, elsewhere). */
  onApply(listener: (settings: Settings) => void): void {
    this.listeners.add(listener);
  }

  /** The refusal for adding or enabling an account of this kind now; undefined when allowed. */
  refusalForKind(kind: string): string | undefined {
    return this.current.anthropicApiOnly && kind !== COMPLIANT_KIND ? complianceRefusal(kind) : undefined;
  }

  /**
   * The default limits for a new key of this owner: fields above the owner's own limit are left out
   * (the owner's limit applies to the key anyway), so a default never makes a key impossible to create.
   */
  defaultKeyLimitsFor(owner: { limits: KeyLimits }): KeyLimits {
    const limits: KeyLimits = {};
    for (const name of LIMIT_NAMES) {
      const value = this.current.defaultKeyLimits[name];
      const ceiling = owner.limits[name];
      if (value !== undefined && (ceiling === undefined || value <= ceiling)) limits[name] = value;
    }
    return limits;
  }

  /** Reads the stored settings; a stored value that no longer validates is ignored (its default applies). */
  async load(): Promise<void> {
    const rows = await this.deps.repository.list();
    const next: Record<SettingKey, unknown> = { ...this.deps.defaults };
    const records = new Map<SettingKey, SettingRecord>();
    for (const row of rows) {
      const key = SETTING_KEYS.find((k) => k === row.key);
      if (key === undefined) continue;
      const parsed = settingsSchema.shape[key].safeParse(row.value);
      if (!parsed.success) continue;
      next[key] = parsed.data;
      records.set(key, row);
    }
    this.records = records;
    const values = next as Settings;
    if (JSON.stringify(values) === JSON.stringify(this.current)) return;
    this.current = values;
    for (const listener of this.listeners) listener(values);
  }

  async view(): Promise<SettingsView> {
    const meta = Object.fromEntries(
      SETTING_KEYS.map((key) => {
        const record = this.records.get(key);
        return [
          key,
          record
            ? { source: 'database', updatedAt: record.updatedAt.toISOString(), updatedBy: record.updatedBy }
            : { source: 'default', updatedAt: null, updatedBy: null },
        ];
      }),
    ) as SettingsView['meta'];
    const excludedAccounts = this.current.anthropicApiOnly
      ? (await this.deps.accounts.list())
          .filter((a) => a.kind !== COMPLIANT_KIND)
          .map((a) => ({ id: a.id, name: a.name, kind: a.kind }))
      : [];
    return { values: { ...this.current }, defaults: { ...this.deps.defaults }, meta, excludedAccounts };
  }

  /** Changes the named settings; each one that changes is stored and audited, then applied everywhere. */
  async update(raw: unknown, context: AuditContext = {}): Promise<SettingsView> {
    const patch = parseInput(settingsPatchInput, raw);
    const actor = context.actor ?? this.deps.actor ?? { type: 'system', id: null };
    const updatedBy = actor.type === 'user' ? actor.id : null;
    let changed = false;
    for (const key of SETTING_KEYS) {
      if (!(key in patch)) continue;
      const value: unknown = patch[key];
      const before: unknown = this.current[key];
      if (JSON.stringify(value) === JSON.stringify(before)) continue;
      await this.deps.repository.upsert(key, value, updatedBy);
      // Values as JSON text: the audit log drops detail keys that look like secrets (`tokensPerMinute`).
      await this.deps.audit.append({
        actorType: actor.type,
        actorId: actor.id,
        action: 'settings.update',
        targetType: 'setting',
        targetId: key,
        ip: context.ip ?? null,
        details: { setting: key, from: JSON.stringify(before), to: JSON.stringify(value) },
      });
      changed = true;
    }
    if (changed) {
      await this.load();
      this.deps.onChange?.();
    }
    return this.view();
  }
}

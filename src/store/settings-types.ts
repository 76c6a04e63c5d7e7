/** Gateway-wide settings as stored: one row per key, its value as JSON (validated by the service). */
export interface SettingRecord {
  key: string;
  value: unknown;
  /** The user who last changed it; null for the command line. */
  updatedBy: string | null;
  updatedAt: Date;
}

export interface SettingsRepository {
  list(): Promise<SettingRecord[]>;
  /** Writes the value (insert or replace) and returns the row as stored. */
  upsert(key: string, value: unknown, updatedBy: string | null): Promise<SettingRecord>;
}

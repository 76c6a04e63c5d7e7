/** The model catalogue's records: admins' edits over the entries shipped in code. */
/** An admin's catalogue entry: overrides the shipped entry of the same id (or adds a model). */
export interface ModelRecord {
  id: string;
  displayName: string;
  contextWindow: number;
  maxOutput: number;
  /** USD per million tokens. */
  inputPrice: number;
  outputPrice: number;
  cacheWritePrice: number;
  cacheReadPrice: number;
  /** Model ids or aliases tried in order when the key opted in to fallbacks. */
  fallbacks: string[];
  releasedAt: Date | null;
  /** Hides a shipped model of this id (the other fields then keep what it was). */
  removed: boolean;
  updatedAt: Date;
}

export type NewModelRecord = Omit<ModelRecord, 'updatedAt'>;

export interface ModelAliasRecord {
  alias: string;
  /** Null hides a shipped alias of this name. */
  modelId: string | null;
  updatedAt: Date;
}

/** The admins' edits to the model catalogue; shipped entries live in code, not here. */
export interface ModelRepository {
  list(): Promise<ModelRecord[]>;
  get(id: string): Promise<ModelRecord | undefined>;
  /** Inserts or replaces the entry of this id. */
  upsert(model: NewModelRecord): Promise<ModelRecord>;
  /** Returns false when there was no entry. */
  remove(id: string): Promise<boolean>;
  listAliases(): Promise<ModelAliasRecord[]>;
  upsertAlias(alias: string, modelId: string | null): Promise<ModelAliasRecord>;
  removeAlias(alias: string): Promise<boolean>;
}

import { AuthenticationError } from '../errors.js';
import { UNRESTRICTED, type Principal, type PrincipalAccess } from '../gateway/call.js';
import type { Logger } from '../observability/logger.js';
import type { ApiKeyCredential, ApiKeyRepository } from '../store/types.js';
import type { KeyLimits } from './key-limits.js';
import { hashApiKeySecret, looksLikeApiKey } from './api-key-secret.js';

interface CacheEntry {
  principal: Principal | undefined;
  expiresAt: Date | null;
  cachedUntil: number;
}

const NEGATIVE_TTL_MS = 5_000;
const MAX_ENTRIES = 50_000;
const TOUCH_INTERVAL_MS = 30_000;

/**
 * Turns an API key secret into a principal. Keys are looked up by hash and cached briefly so the
 * request path rarely touches the database; revocation through this process clears the cache at
 * once. Unknown keys are cached too, so a flood of bad keys cannot hammer the database.
 */
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly used = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: ApiKeyRepository,
    private readonly logger: Logger,
    private readonly ttlMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flushLastUsed(), TOUCH_INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * A cached key answers synchronously: an await on the hot path costs a turn of the microtask
   * queue per request. Throws (or rejects) AuthenticationError for a missing, unknown, revoked or
   * expired key.
   */
  authenticate(secret: string | undefined): Principal | Promise<Principal> {
    if (secret === undefined || !looksLikeApiKey(secret)) throw new AuthenticationError();
    const hash = hashApiKeySecret(secret);
    const now = Date.now();
    const entry = this.cache.get(hash);
    if (entry === undefined || entry.cachedUntil <= now) {
      return this.load(hash, now).then((loaded) => this.admit(loaded, now));
    }
    return this.admit(entry, now);
  }

  private admit(entry: CacheEntry, now: number): Principal {
    if (!entry.principal || (entry.expiresAt !== null && entry.expiresAt.getTime() <= now)) {
      throw new AuthenticationError();
    }
    this.used.add(entry.principal.apiKeyId);
    return entry.principal;
  }

  /** Forget cached keys (all, or one by id) so the next request re-reads the store. */
  invalidate(apiKeyId?: string): void {
    if (apiKeyId === undefined) {
      this.cache.clear();
      return;
    }
    for (const [hash, entry] of this.cache)
      if (entry.principal?.apiKeyId === apiKeyId) this.cache.delete(hash);
  }

  async flushLastUsed(): Promise<void> {
    if (this.used.size === 0) return;
    const ids = [...this.used];
    this.used.clear();
    try {
      await this.repository.touchLastUsed(ids, new Date());
    } catch (error) {
      this.logger.warn({ err: error }, 'could not record API key last use');
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flushLastUsed();
  }

  private async load(hash: string, now: number): Promise<CacheEntry> {
    const found = await this.repository.findCredential(hash);
    const valid = found !== undefined && found.key.revokedAt === null && found.owner.disabledAt === null;
    const entry: CacheEntry = {
      principal: valid
        ? { apiKeyId: found.key.id, userId: found.key.userId, access: accessOf(found) }
        : undefined,
      expiresAt: found?.key.expiresAt ?? null,
      cachedUntil: now + (valid ? this.ttlMs : NEGATIVE_TTL_MS),
    };
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(hash, entry);
    return entry;
  }
}

/** The key's and its owner's limits and model lists; the shared UNRESTRICTED when there are none. */
export function accessOf({ key, owner }: ApiKeyCredential): PrincipalAccess {
  const none = (limits: KeyLimits) => Object.keys(limits).length === 0;
  if (none(key.limits) && none(owner.limits) && key.allowedModels === null && owner.allowedModels === null) {
    return key.modelFallback ? { ...UNRESTRICTED, modelFallback: true } : UNRESTRICTED;
  }
  return {
    keyLimits: key.limits,
    userLimits: owner.limits,
    keyModels: key.allowedModels,
    userModels: owner.allowedModels,
    modelFallback: key.modelFallback,
  };
}

/**
 * Conversation → account bindings with a TTL refreshed on use. Bounded: the oldest bindings are
 * dropped first (a Map iterates in insertion order and every touch re-inserts).
 */
export class StickyMap {
  /** placedAt: when the binding took its place in the eviction order. */
  private readonly bindings = new Map<string, { accountId: string; expiresAt: number; placedAt: number }>();

  constructor(
    readonly ttlMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  get(key: string, now: number): string | undefined {
    const binding = this.bindings.get(key);
    if (!binding) return undefined;
    if (binding.expiresAt <= now) {
      this.bindings.delete(key);
      return undefined;
    }
    return binding.accountId;
  }

  set(key: string, accountId: string, now: number): void {
    const expiresAt = now + this.ttlMs;
    const binding = this.bindings.get(key);
    // A binding placed within the last tenth of its TTL keeps its place in the eviction order and
    // only gets its new expiry: re-inserting on every request churns the Map's table (a rehash and a
    // new backing store every few thousand requests, outliving the requests that caused them).
    if (
      binding !== undefined &&
      binding.accountId === accountId &&
      now - binding.placedAt < this.ttlMs / 10
    ) {
      binding.expiresAt = expiresAt;
      return;
    }
    this.bindings.delete(key);
    this.bindings.set(key, { accountId, expiresAt, placedAt: now });
    if (this.bindings.size > this.maxEntries) {
      const oldest = this.bindings.keys().next();
      if (!oldest.done) this.bindings.delete(oldest.value);
    }
  }

  forgetAccount(accountId: string): void {
    for (const [key, binding] of this.bindings)
      if (binding.accountId === accountId) this.bindings.delete(key);
  }

  get size(): number {
    return this.bindings.size;
  }
}

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** The keys a process holds: it seals with `current` and opens with any of them. */
export interface KeyRing {
  current: Buffer;
  /** Older keys, accepted for reading while a rotation is under way. */
  previous: readonly Buffer[];
}

/**
 * Returns the keys as they are now (key files re-read), or undefined when they cannot change.
 * Called when an envelope names a key this process does not hold: another process rotated.
 */
export type KeyRingRefresh = () => KeyRing | undefined;

const REFRESH_INTERVAL_MS = 1_000;

/**
 * A key's name inside envelopes: a hash prefix, so it tells keys apart without saying anything
 * about the key (66 bits of a SHA-256 of a 256-bit random key).
 */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256')
    .update('switchyard-master-key-id\0')
    .update(key)
    .digest('base64url')
    .slice(0, 11);
}

function checkKey(key: Buffer): Buffer {
  if (key.length !== 32) throw new Error('The master key must be 32 bytes.');
  return key;
}

/**
 * AES-256-GCM envelope for credentials at rest: `v2:<key id>:<iv>:<tag>:<ciphertext>` (base64url).
 * `v1:<iv>:<tag>:<ciphertext>` envelopes, written before envelopes named their key, are still
 * opened (every key held is tried; GCM's tag tells the right one). The record id is bound as
 * associated data, so a ciphertext copied to another row fails to open.
 */
export class SecretBox {
  private currentId = '';
  private readonly keys = new Map<string, Buffer>();
  private lastRefresh = 0;

  constructor(
    keys: Buffer | KeyRing,
    private readonly refresh?: KeyRingRefresh,
  ) {
    this.use(Buffer.isBuffer(keys) ? { current: keys, previous: [] } : keys);
  }

  /** The id of the key new envelopes are sealed with. */
  get keyId(): string {
    return this.currentId;
  }

  seal(plaintext: string, associatedData: string): string {
    const key = this.keys.get(this.currentId) as Buffer;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      'v2',
      this.currentId,
      ...[iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url')),
    ].join(':');
  }

  open(envelope: string, associatedData: string): string {
    const parts = envelope.split(':');
    if (parts[0] === 'v2' && parts.length === 5) {
      const [, id, iv, tag, ciphertext] = parts as [string, string, string, string, string];
      const key = this.keys.get(id) ?? this.refreshedKey(id);
      if (!key)
        throw new Error(`The credential is sealed under master key ${id}, which this process does not hold.`);
      return decrypt(key, iv, tag, ciphertext, associatedData);
    }
    if (parts[0] === 'v1' && parts.length === 4) {
      const [, iv, tag, ciphertext] = parts as [string, string, string, string];
      let failure: unknown;
      for (const key of this.keysCurrentFirst()) {
        try {
          return decrypt(key, iv, tag, ciphertext, associatedData);
        } catch (error) {
          failure = error;
        }
      }
      throw failure instanceof Error ? failure : new Error('The credential cannot be opened.');
    }
    throw new Error('Unrecognised credential envelope.');
  }

  /** False when the envelope must be sealed again to be readable with the current key alone. */
  isCurrent(envelope: string): boolean {
    return envelope.startsWith(`v2:${this.currentId}:`);
  }

  private use(ring: KeyRing): void {
    this.currentId = keyIdOf(checkKey(ring.current));
    this.keys.set(this.currentId, ring.current);
    for (const key of ring.previous) this.keys.set(keyIdOf(checkKey(key)), key);
  }

  /**
   * Another process rotated the key files: adopt the new key for writing too, and keep every key
   * held so far for reading (rows this process sealed a moment ago may not be re-sealed yet).
   */
  private refreshedKey(id: string): Buffer | undefined {
    if (!this.refresh || Date.now() - this.lastRefresh < REFRESH_INTERVAL_MS) return undefined;
    this.lastRefresh = Date.now();
    let ring: KeyRing | undefined;
    try {
      ring = this.refresh();
    } catch {
      return undefined;
    }
    if (ring) this.use(ring);
    return this.keys.get(id);
  }

  private keysCurrentFirst(): Buffer[] {
    const current = this.keys.get(this.currentId) as Buffer;
    return [current, ...[...this.keys.values()].filter((key) => key !== current)];
  }
}

function decrypt(key: Buffer, iv: string, tag: string, ciphertext: string, associatedData: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(associatedData));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
    'utf8',
  );
}

import { hash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'sk-sy-';

/** A new key: 32 random bytes, shown once; only its hash is stored. */
export function generateApiKeySecret(): { secret: string; hash: string; prefix: string } {
  const secret = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { secret, hash: hashApiKeySecret(secret), prefix: secret.slice(0, API_KEY_PREFIX.length + 6) };
}

export function hashApiKeySecret(secret: string): string {
  // One-shot hash: about twice as fast as createHash, and this runs on every request.
  return hash('sha256', secret, 'hex');
}

/** Cheap shape check so garbage never reaches the database. */
export function looksLikeApiKey(value: string): boolean {
  return value.length > API_KEY_PREFIX.length && value.length <= 128 && value.startsWith(API_KEY_PREFIX);
}

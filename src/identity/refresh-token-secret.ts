import { hash, randomBytes } from 'node:crypto';

/** A refresh token: 32 random bytes; only its SHA-256 is stored. */
export function generateRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/** Cheap shape check so garbage never reaches the database. */
export function looksLikeRefreshToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

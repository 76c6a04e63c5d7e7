import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

// argon2id with the library's defaults (19 MiB, 2 passes), as OWASP recommends.
export const hashPassword = (password: string): Promise<string> => hash(password);
export const verifyPassword = (hashed: string, password: string): Promise<boolean> =>
  verify(hashed, password);

/** A password for one-time use, readable enough to type. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies against the user's hash, or against a dummy hash when there is no such user, so an
 * unknown username costs the same time as a wrong password and reveals nothing.
 */
export async function verifyPasswordOrDummy(hashed: string | undefined, password: string): Promise<boolean> {
  if (hashed !== undefined) return verifyPassword(hashed, password).catch(() => false);
  dummyHash ??= hashPassword(generatePassword());
  await verifyPassword(await dummyHash, password).catch(() => false);
  return false;
}

import { z } from 'zod';
import { PermissionError } from '../errors.js';
import { USER_ROLES, type UserRole } from '../store/types.js';
import type { Agree, Same, UserRole as UserRoleView } from './admin-views.js';

export type { UserView } from './admin-views.js';
/** Fails to compile when the roles drift from their copy in admin-views.ts. */
export type UserRolesAgree = Agree<Same<UserRole, UserRoleView>>;

/** Usernames are stored lower-case, so `Ada` and `ada` are one account. */
export const normalizeUsername = (username: string) => username.normalize('NFKC').toLowerCase();

const USERNAME = /^[a-z0-9][a-z0-9_.-]{2,63}$/;
const newUsername = z
  .string()
  .transform(normalizeUsername)
  .pipe(
    z
      .string()
      .regex(USERNAME, 'must be 3–64 letters, digits, ".", "_" or "-", starting with a letter or digit'),
  );

/** argon2 hashes any length, but a megabyte password is a denial of service, not a password. */
export const newPassword = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(128, 'must be at most 128 characters');

export const registerInput = z.strictObject({ username: newUsername, password: newPassword });

/** Login takes any string: a malformed username is just an unknown one (same answer, same time). */
export const loginInput = z.strictObject({
  username: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
});

export const passwordChangeInput = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword,
});

export const newUserInput = z.strictObject({
  username: newUsername,
  role: z.enum(USER_ROLES),
  /** Omitted: a one-time password is generated and returned once. */
  password: newPassword.optional(),
  mustChangePassword: z.boolean().default(true),
});
export type NewUserInput = z.input<typeof newUserInput>;

export const rolePatchInput = z.strictObject({ role: z.enum(USER_ROLES) });

/**
 * Fields a caller may never set about themselves (mass assignment). Refused with 403 rather than
 * a generic 400, so the attempt is unmistakable.
 */
const PROTECTED_FIELDS = [
  'role',
  'userId',
  'user_id',
  'ownerId',
  'owner',
  'id',
  'disabledAt',
  'mustChangePassword',
  'scopes',
  'isAdmin',
  'admin',
];

export function refuseProtectedFields(raw: unknown, allowed: readonly string[] = []): void {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return;
  for (const field of PROTECTED_FIELDS) {
    if (!allowed.includes(field) && Object.hasOwn(raw, field)) {
      throw new PermissionError(`${field}: you cannot set this field.`);
    }
  }
}

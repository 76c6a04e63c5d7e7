/**
 * What each role may do: the one permission matrix. Routes name a permission in their policy
 * (server/routes/route-policy.ts); nothing else compares role names.
 */
import { USER_ROLES, type UserRole } from '../store/types.js';

export const PERMISSIONS = [
  /** See upstream accounts and their state (never credentials). */
  'accounts:read',
  /** Add, change, remove and test upstream accounts. */
  'accounts:write',
  /** Own API keys: list, create, revoke one's own. */
  'keys:own',
  /** Every user's API keys, and keys made for other users. */
  'keys:all',
  /** Users: list, create, change role, disable. */
  'users:manage',
  /** The audit log and its export. */
  'audit:read',
  /** The model catalogue and its aliases. */
  'models:read',
  /** Change models, prices, fallback chains and aliases (prices decide what the ledger charges). */
  'models:write',
  /** The web app's chat: one's own conversations, answered through the pool as oneself. */
  'chat:use',
  /** The dashboard's aggregates and the request log (who called which model, status, tokens; no content). */
  'usage:read',
  /** Take a backup through the running server (archives land in its BACKUP_DIR). */
  'backups:run',
  /** Roll up and prune the usage ledger now (what USAGE_RETENTION_CRON does; deletes old request-log rows). */
  'usage:prune',
  /** Workers and the requests in progress (who waits for which model, where; no content). */
  'operations:read',
  /** Drain and undrain workers; cancel requests in progress. */
  'operations:write',
  /** Gateway-wide settings: registration, new keys' default limits, the compliance switch. */
  'settings:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<UserRole, readonly Permission[]> = {
  admin: PERMISSIONS,
  operator: [
    'accounts:read',
    'accounts:write',
    'keys:own',
    'models:read',
    'chat:use',
    'usage:read',
    'operations:read',
    'operations:write',
  ],
  member: ['keys:own', 'chat:use'],
  viewer: ['accounts:read', 'models:read', 'chat:use', 'usage:read', 'operations:read'],
};

export function roleGrants(role: UserRole, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

/** Higher ranks hold every permission of lower ones; used to refuse granting beyond one's own. */
export function roleRank(role: UserRole): number {
  return { viewer: 0, member: 1, operator: 2, admin: 3 }[role];
}

export { USER_ROLES, type UserRole };

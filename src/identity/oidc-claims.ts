/**
 * From a provider's claims to a Switchyard role and username. Pure functions: the role mapping is
 * the one place an outside system grants permissions here, so it is small and tested on its own.
 */
import { createHash } from 'node:crypto';
import type { OidcRoleMapping } from '../config/oidc.js';
import { roleRank, type UserRole } from './roles.js';

/**
 * A claim by name; a dotted name that is not itself a claim is read as a path, so Keycloak's
 * `realm_access.roles` works while namespaced claims such as `https://example.com/roles` stay whole.
 */
export function claimAt(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let current: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A claim as a list of strings: a string is one value, an array keeps its strings. */
export function claimValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * The highest role any of the user's values maps to; `*` only when no value matches. Undefined:
 * the mapping grants nothing, and the sign-in is refused.
 */
export function roleFromClaims(
  claims: Readonly<Record<string, unknown>>,
  roleClaim: string | undefined,
  roleMap: readonly OidcRoleMapping[],
): UserRole | undefined {
  const values = new Set(roleClaim === undefined ? [] : claimValues(claimAt(claims, roleClaim)));
  let best: UserRole | undefined;
  for (const mapping of roleMap) {
    if (mapping.value === '*' || !values.has(mapping.value)) continue;
    if (best === undefined || roleRank(mapping.role) > roleRank(best)) best = mapping.role;
  }
  return best ?? roleMap.find((m) => m.value === '*')?.role;
}

const MAX_USERNAME = 64;

/**
 * The username for a new SSO user: the configured claim, else preferred_username, email, sub.
 * Lower-cased, with characters outside [a-z0-9_.@-] replaced; identity is the (issuer, subject)
 * link, never this name, so two providers' "ada" cannot become one account.
 */
export function usernameFromClaims(
  claims: Readonly<Record<string, unknown>>,
  usernameClaim: string | undefined,
): string {
  const names = usernameClaim === undefined ? ['preferred_username', 'email', 'sub'] : [usernameClaim, 'sub'];
  for (const name of names) {
    const value = claimAt(claims, name);
    if (typeof value !== 'string') continue;
    const cleaned = value
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[^a-z0-9_.@-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, MAX_USERNAME);
    if (cleaned.length >= 3) return cleaned;
  }
  return `sso-${shortHash(String(claims.sub))}`;
}

/** A name taken by someone else gets a suffix derived from the link, stable across retries. */
export function disambiguatedUsername(username: string, issuer: string, subject: string): string {
  const suffix = `-${shortHash(`${issuer}\n${subject}`)}`;
  return username.slice(0, MAX_USERNAME - suffix.length) + suffix;
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

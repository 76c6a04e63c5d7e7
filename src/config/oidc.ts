/**
 * Single sign-on settings. The OIDC_* variables are all-or-nothing: setting any of them turns SSO
 * on, and then every required one must be set and consistent, or the process refuses to start.
 */
import { USER_ROLES, type UserRole } from '../store/types.js';
import type { RawConfig } from './schema.js';

export interface OidcRoleMapping {
  /** A claim value (a group or role name), or `*` for "anyone the provider vouches for". */
  value: string;
  role: UserRole;
}

export interface OidcConfig {
  issuerUrl: string;
  clientId: string;
  /** Undefined: a public client (PKCE, no client authentication). */
  clientSecret: string | undefined;
  redirectUrl: string;
  postLoginUrl: string;
  scopes: string;
  /** Undefined: no claim is read and only a `*` mapping can apply. */
  roleClaim: string | undefined;
  roleMap: readonly OidcRoleMapping[];
  /** Undefined: preferred_username, else email, else sub. */
  usernameClaim: string | undefined;
  displayName: string;
  /** Plain-HTTP issuer on a loopback host (a provider for development and tests). */
  allowInsecureIssuer: boolean;
}

type Fail = (variable: string, detail: string) => Error;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const isLoopback = (url: URL) => LOOPBACK.has(url.hostname);

/** `a=admin,b=operator,*=member` → mappings; a value may contain `=`, the role is after the last. */
export function parseRoleMap(text: string): OidcRoleMapping[] | string {
  const mappings: OidcRoleMapping[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const at = entry.lastIndexOf('=');
    const value = at > 0 ? entry.slice(0, at).trim() : '';
    const role = entry.slice(at + 1).trim();
    if (at <= 0 || value === '') return `has an entry without a value before "=" ("${entry}")`;
    if (!(USER_ROLES as readonly string[]).includes(role)) {
      return `maps "${value}" to "${role}", which is not a role (${USER_ROLES.join(', ')})`;
    }
    if (mappings.some((m) => m.value === value)) return `maps "${value}" twice`;
    mappings.push({ value, role: role as UserRole });
  }
  return mappings.length > 0 ? mappings : 'has no entries';
}

/** The SSO settings, undefined when no OIDC_* variable is set; throws what `fail` makes otherwise. */
export function oidcConfigOf(raw: RawConfig, fail: Fail): OidcConfig | undefined {
  const optional = [
    raw.OIDC_ISSUER_URL,
    raw.OIDC_CLIENT_ID,
    raw.OIDC_CLIENT_SECRET,
    raw.OIDC_REDIRECT_URL,
    raw.OIDC_POST_LOGIN_URL,
    raw.OIDC_ROLE_CLAIM,
    raw.OIDC_ROLE_MAP,
    raw.OIDC_USERNAME_CLAIM,
  ];
  if (optional.every((value) => value === undefined)) return undefined;
  const required = (variable: string, value: string | undefined): string => {
    if (value === undefined) throw fail(variable, 'is required when single sign-on is configured (OIDC_*)');
    return value;
  };
  const issuerUrl = required('OIDC_ISSUER_URL', raw.OIDC_ISSUER_URL);
  const clientId = required('OIDC_CLIENT_ID', raw.OIDC_CLIENT_ID);
  const redirectUrl = required('OIDC_REDIRECT_URL', raw.OIDC_REDIRECT_URL);
  const roleMapText = required('OIDC_ROLE_MAP', raw.OIDC_ROLE_MAP);

  const issuer = new URL(issuerUrl);
  // Discovery, keys and the code exchange travel to the issuer; over plain HTTP anyone on the path
  // could swap the signing keys. Only a provider on this machine may skip TLS.
  if (issuer.protocol !== 'https:' && !isLoopback(issuer)) {
    throw fail('OIDC_ISSUER_URL', `must be an https:// URL (http only for localhost) (got "${issuerUrl}")`);
  }
  const redirect = new URL(redirectUrl);
  if (!redirect.pathname.endsWith('/api/auth/oidc/callback')) {
    throw fail('OIDC_REDIRECT_URL', `must end in /api/auth/oidc/callback (got "${redirectUrl}")`);
  }
  if (redirect.protocol !== 'https:' && !isLoopback(redirect)) {
    // The refresh cookie is Secure: over plain HTTP the browser would drop it.
    throw fail(
      'OIDC_REDIRECT_URL',
      `must be an https:// URL (http only for localhost) (got "${redirectUrl}")`,
    );
  }
  const roleMap = parseRoleMap(roleMapText);
  if (typeof roleMap === 'string') throw fail('OIDC_ROLE_MAP', roleMap);
  if (raw.OIDC_ROLE_CLAIM === undefined && roleMap.some((m) => m.value !== '*')) {
    throw fail('OIDC_ROLE_CLAIM', 'is required when OIDC_ROLE_MAP maps claim values (not only "*")');
  }
  return {
    issuerUrl,
    clientId,
    clientSecret: raw.OIDC_CLIENT_SECRET,
    redirectUrl,
    postLoginUrl: raw.OIDC_POST_LOGIN_URL ?? `${redirect.origin}/`,
    scopes: raw.OIDC_SCOPES,
    roleClaim: raw.OIDC_ROLE_CLAIM,
    roleMap,
    usernameClaim: raw.OIDC_USERNAME_CLAIM,
    displayName: raw.OIDC_DISPLAY_NAME,
    allowInsecureIssuer: issuer.protocol === 'http:',
  };
}

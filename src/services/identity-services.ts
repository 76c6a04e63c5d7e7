import type { AuthConfig } from '../config/index.js';
import { AccessTokens, accessTokenKey } from '../identity/access-tokens.js';
import { InMemoryFailureCounter, LoginThrottle, type FailureCounter } from '../identity/login-throttle.js';
import { OidcClient } from '../identity/oidc-client.js';
import { OidcLoginStateBox } from '../identity/oidc-login-state.js';
import type { Store } from '../store/types.js';
import type { ApiKeysService } from './api-keys.js';
import { scrubbedAudit } from './audit-context.js';
import { AuditLogService } from './audit-log.js';
import { SessionsService } from './sessions.js';
import { SsoService } from './sso.js';
import { UsersService } from './users.js';

export interface IdentityServicesOptions {
  masterKey: Buffer;
  auth: AuthConfig;
  apiKeys: ApiKeysService;
  /** Where login failures are counted; in memory unless given (a shared one for several gateways). */
  failureCounter?: FailureCounter;
  /** Whether registration is open now (the admins' setting); default: REGISTRATION_OPEN. */
  registrationOpen?: () => boolean;
}

/** Users, sessions and the audit log over one store, for the HTTP API. */
export function createIdentityServices(store: Store, options: IdentityServicesOptions) {
  const audit = scrubbedAudit(store.audit);
  const accessTokens = new AccessTokens(
    accessTokenKey(options.masterKey, options.auth.jwtSecret),
    options.auth.accessTokenTtlSeconds,
  );
  const throttle = new LoginThrottle(
    options.failureCounter ?? new InMemoryFailureCounter(),
    options.auth.loginThrottle,
  );
  const sessions = new SessionsService({
    users: store.users,
    refreshTokens: store.refreshTokens,
    audit,
    accessTokens,
    throttle,
    refreshTokenTtlSeconds: options.auth.refreshTokenTtlSeconds,
  });
  const users = new UsersService({
    users: store.users,
    refreshTokens: store.refreshTokens,
    audit,
    apiKeys: options.apiKeys,
    registrationOpen: options.registrationOpen ?? (() => options.auth.registrationOpen),
  });
  const oidc = options.auth.oidc;
  const sso =
    oidc === undefined
      ? undefined
      : new SsoService({
          config: oidc,
          client: new OidcClient(oidc),
          stateBox: new OidcLoginStateBox(options.masterKey),
          users: store.users,
          identities: store.oidcIdentities,
          audit,
          sessions,
        });
  return { sessions, users, sso, auditLog: new AuditLogService(store.audit) };
}

export type IdentityServices = ReturnType<typeof createIdentityServices>;

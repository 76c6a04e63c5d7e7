import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { OidcConfig } from '../config/oidc.js';
import { PermissionError } from '../errors.js';
import { disambiguatedUsername, roleFromClaims, usernameFromClaims } from '../identity/oidc-claims.js';
import { type OidcClient, type ProviderIdentity, SignOnError } from '../identity/oidc-client.js';
import type { OidcLoginStateBox } from '../identity/oidc-login-state.js';
import { hashPassword } from '../identity/passwords.js';
import type {
  AuditRepository,
  OidcIdentityRepository,
  UserRecord,
  UserRepository,
  UserRole,
} from '../store/types.js';
import { StoreConflictError } from '../store/types.js';
import type { IssuedSession, SessionsService } from './sessions.js';

export interface SsoServiceDeps {
  config: OidcConfig;
  client: OidcClient;
  stateBox: OidcLoginStateBox;
  users: UserRepository;
  identities: OidcIdentityRepository;
  audit: AuditRepository;
  sessions: SessionsService;
}

/** Long enough to type a password and pass a second factor at the provider, short enough to matter. */
export const LOGIN_STATE_TTL_SECONDS = 600;

export interface SignOnStart {
  redirectTo: URL;
  /** The sealed state, nonce and PKCE verifier, for a short-lived httpOnly cookie. */
  sealedState: string;
}

const START_AGAIN =
  'The sign-in attempt expired or began in another browser; start again from the sign-in page.';

/**
 * Single sign-on through an OpenID Connect provider. Users are linked by (issuer, subject); the
 * role comes from the provider's claims at every sign-in; the session is the same as a password
 * sign-in's. SSO users get a password hash of a random secret nobody holds, so password sign-in
 * always fails for them.
 */
export class SsoService {
  constructor(private readonly deps: SsoServiceDeps) {}

  get displayName(): string {
    return this.deps.config.displayName;
  }

  /** Where the browser goes once signed in (the web app, which then calls /api/auth/refresh). */
  get postLoginUrl(): string {
    return this.deps.config.postLoginUrl;
  }

  async begin(now = Date.now()): Promise<SignOnStart> {
    const request = this.deps.client.newAuthorizationRequest();
    const redirectTo = await this.deps.client.authorizationUrl(request);
    const sealedState = this.deps.stateBox.seal({
      ...request,
      expiresAt: now + LOGIN_STATE_TTL_SECONDS * 1000,
    });
    return { redirectTo, sealedState };
  }

  /** Verifies the callback, finds or creates the user, applies the role, and starts a session. */
  async complete(
    query: URLSearchParams,
    sealedState: string | undefined,
    ip: string,
  ): Promise<IssuedSession> {
    const expected = this.deps.stateBox.open(sealedState);
    if (!expected) {
      throw await this.failed(new SignOnError('invalid_request_error', START_AGAIN, 'state_missing'), ip);
    }
    // The state binds the callback to the browser that started the attempt (login CSRF).
    if (!sameText(query.get('state') ?? '', expected.state)) {
      throw await this.failed(new SignOnError('invalid_request_error', START_AGAIN, 'state_mismatch'), ip);
    }
    let identity: ProviderIdentity;
    try {
      identity = await this.deps.client.complete(query, expected);
    } catch (error) {
      throw error instanceof SignOnError ? await this.failed(error, ip) : error;
    }
    const link = await this.deps.identities.find(identity.issuer, identity.subject);
    const existing = link === undefined ? undefined : await this.deps.users.get(link.userId);
    if (existing && existing.disabledAt !== null) {
      throw await this.failed(new PermissionError('This account is disabled.'), ip, existing, 'disabled');
    }
    const role = roleFromClaims(identity.claims, this.deps.config.roleClaim, this.deps.config.roleMap);
    if (role === undefined) {
      throw await this.failed(
        new PermissionError('Your account at the sign-on provider is not granted a role here; ask an admin.'),
        ip,
        existing,
        'no_role',
      );
    }
    const user = existing
      ? await this.applyRole(existing, role, identity, ip)
      : await this.create(identity, role, ip);
    const session = await this.deps.sessions.startFor(user);
    await this.audit('auth.login', user, ip, { type: 'user', id: user.id }, { method: 'oidc' });
    return session;
  }

  private async applyRole(
    user: UserRecord,
    role: UserRole,
    identity: ProviderIdentity,
    ip: string,
  ): Promise<UserRecord> {
    if (user.disabledAt !== null) {
      throw await this.failed(new PermissionError('This account is disabled.'), ip, user, 'disabled');
    }
    await this.deps.identities.touch(identity.issuer, identity.subject, new Date());
    if (user.role === role) return user;
    // The provider is the source of truth for SSO users' roles: a change there applies here at the
    // next sign-in, and one made here is overwritten then.
    const updated = (await this.deps.users.update(user.id, { role })) ?? user;
    await this.audit('user.role_change', updated, ip, SYSTEM, { from: user.role, to: role, source: 'oidc' });
    return updated;
  }

  private async create(identity: ProviderIdentity, role: UserRole, ip: string): Promise<UserRecord> {
    const link = { issuer: identity.issuer, subject: identity.subject };
    const base = usernameFromClaims(identity.claims, this.deps.config.usernameClaim);
    // A secret nobody keeps: the hash is a real argon2id hash, so a password sign-in for this user
    // costs the same time as every other one and fails.
    const passwordHash = await hashPassword(randomBytes(32).toString('base64url'));
    for (const username of [base, disambiguatedUsername(base, link.issuer, link.subject)]) {
      try {
        const user = await this.deps.identities.insertWithUser(
          { id: randomUUID(), username, passwordHash, role, mustChangePassword: false },
          link,
        );
        await this.audit('user.create', user, ip, SYSTEM, {
          username: user.username,
          role: user.role,
          source: 'oidc',
          issuer: link.issuer,
        });
        return user;
      } catch (error) {
        if (!(error instanceof StoreConflictError)) throw error;
        // A racing first sign-in of the same person may have created the link meanwhile.
        const raced = await this.deps.identities.find(link.issuer, link.subject);
        const user = raced && (await this.deps.users.get(raced.userId));
        if (user) return this.applyRole(user, role, identity, ip);
      }
    }
    throw new SignOnError(
      'invalid_request_error',
      'No free username for this account; ask an admin.',
      'username_taken',
    );
  }

  /** Records the failure and hands it back to throw: every refused sign-on leaves an audit row. */
  private async failed(
    error: SignOnError | PermissionError,
    ip: string,
    user?: UserRecord,
    reason = error instanceof SignOnError ? error.reason : 'refused',
  ): Promise<SignOnError | PermissionError> {
    const details: Record<string, unknown> = { method: 'oidc', reason };
    if (error instanceof SignOnError && error.code !== undefined) details.error = error.code;
    await this.audit('auth.login_failed', user ?? null, ip, SYSTEM, details);
    return error;
  }

  private audit(
    action: string,
    target: { id: string } | null,
    ip: string,
    actor: { type: 'user' | 'system'; id: string | null },
    details: Record<string, unknown>,
  ) {
    return this.deps.audit.append({
      actorType: actor.type,
      actorId: actor.id,
      action,
      targetType: target ? 'user' : null,
      targetId: target?.id ?? null,
      ip,
      details,
    });
  }
}

const SYSTEM = { type: 'system', id: null } as const;

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

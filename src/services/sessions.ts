import { randomUUID } from 'node:crypto';
import { AuthenticationError, InvalidRequestError, RateLimitError } from '../errors.js';
import type { AccessTokens } from '../identity/access-tokens.js';
import type { LoginThrottle } from '../identity/login-throttle.js';
import { hashPassword, verifyPasswordOrDummy } from '../identity/passwords.js';
import {
  generateRefreshToken,
  hashRefreshToken,
  looksLikeRefreshToken,
} from '../identity/refresh-token-secret.js';
import type { AuditRepository, RefreshTokenRepository, UserRecord, UserRepository } from '../store/types.js';
import type { AuditContext } from './audit-context.js';
import {
  loginInput,
  normalizeUsername,
  passwordChangeInput,
  refuseProtectedFields,
  type UserView,
} from './auth-types.js';
import { parseInput } from './parse-input.js';
import { userView } from './users.js';

export interface SessionsServiceDeps {
  users: UserRepository;
  refreshTokens: RefreshTokenRepository;
  audit: AuditRepository;
  accessTokens: AccessTokens;
  throttle: LoginThrottle;
  refreshTokenTtlSeconds: number;
}

/** What a login, a refresh or a password change hands back; the route puts the refresh token in a cookie. */
export interface IssuedSession {
  user: UserView;
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: Date;
}

export interface SignedInUser {
  user: UserRecord;
  sessionId: string;
}

const WRONG_CREDENTIALS = 'Wrong username or password.';
const SESSION_ENDED = 'The session has ended; sign in again.';

/**
 * Sign-in with a password, short-lived access tokens, and rotating refresh tokens with reuse
 * detection. Every failure a caller can see says as little as possible.
 */
export class SessionsService {
  constructor(private readonly deps: SessionsServiceDeps) {}

  async login(raw: unknown, ip: string): Promise<IssuedSession> {
    const input = parseInput(loginInput, raw);
    const username = normalizeUsername(input.username);
    const waitSeconds = await this.deps.throttle.blockedForSeconds(username, ip);
    if (waitSeconds > 0) {
      throw new RateLimitError('Too many failed sign-ins; try again later.', waitSeconds);
    }
    const user = await this.deps.users.getByUsername(username);
    // Unknown users are checked against a dummy hash: same answer, about the same time.
    const passwordOk = await verifyPasswordOrDummy(user?.passwordHash, input.password);
    if (!user || !passwordOk || user.disabledAt !== null) {
      await this.deps.throttle.recordFailure(username, ip);
      await this.audit(
        'auth.login_failed',
        user ?? null,
        { ip },
        {
          reason: !user ? 'unknown_user' : !passwordOk ? 'wrong_password' : 'disabled',
        },
      );
      throw new AuthenticationError(WRONG_CREDENTIALS);
    }
    await this.deps.throttle.recordSuccess(username);
    const session = await this.start(user);
    await this.audit('auth.login', user, { ip, actor: { type: 'user', id: user.id } }, {});
    return session;
  }

  /** Exchanges a refresh token for a new pair. A token presented twice revokes its whole family. */
  async refresh(token: string | undefined, ip: string): Promise<IssuedSession> {
    if (token === undefined || !looksLikeRefreshToken(token)) throw new AuthenticationError(SESSION_ENDED);
    const record = await this.deps.refreshTokens.findByHash(hashRefreshToken(token));
    if (!record || record.revokedAt !== null) throw new AuthenticationError(SESSION_ENDED);
    // A racing refresh may have revoked the family after this token's successor was issued.
    if (!(await this.deps.refreshTokens.isFamilyLive(record.familyId))) {
      throw new AuthenticationError(SESSION_ENDED);
    }
    const now = new Date();
    if (record.rotatedAt !== null || !(await this.deps.refreshTokens.markRotated(record.id, now))) {
      await this.deps.refreshTokens.revokeFamily(record.familyId, now);
      await this.audit('auth.refresh_reuse', { id: record.userId }, { ip }, { session: record.familyId });
      throw new AuthenticationError(SESSION_ENDED);
    }
    const user = await this.deps.users.get(record.userId);
    if (record.expiresAt <= now || !user || user.disabledAt !== null) {
      await this.deps.refreshTokens.revokeFamily(record.familyId, now);
      throw new AuthenticationError(SESSION_ENDED);
    }
    return this.issue(user, record.familyId, now);
  }

  /** Ends the session a refresh token (or, failing that, an access token) belongs to. */
  async logout(
    refreshToken: string | undefined,
    signedIn: SignedInUser | undefined,
    ip: string,
  ): Promise<void> {
    let familyId = signedIn?.sessionId;
    let userId = signedIn?.user.id;
    if (refreshToken !== undefined && looksLikeRefreshToken(refreshToken)) {
      const record = await this.deps.refreshTokens.findByHash(hashRefreshToken(refreshToken));
      if (record) {
        familyId = record.familyId;
        userId = record.userId;
      }
    }
    if (familyId === undefined || userId === undefined) return;
    await this.deps.refreshTokens.revokeFamily(familyId, new Date());
    await this.audit('auth.logout', { id: userId }, { ip, actor: { type: 'user', id: userId } }, {});
  }

  /** The user behind a valid access token whose session is still live, or undefined. */
  async authenticate(accessToken: string): Promise<SignedInUser | undefined> {
    const claims = await this.deps.accessTokens.verify(accessToken);
    if (!claims) return undefined;
    const [user, live] = await Promise.all([
      this.deps.users.get(claims.userId),
      this.deps.refreshTokens.isFamilyLive(claims.sessionId),
    ]);
    if (!user || user.disabledAt !== null || !live) return undefined;
    return { user, sessionId: claims.sessionId };
  }

  /**
   * Changing the password ends every session of the user, this one included, and starts a new
   * one, so a thief holding an old refresh token is locked out.
   */
  async changePassword(signedIn: SignedInUser, raw: unknown, ip: string): Promise<IssuedSession> {
    refuseProtectedFields(raw);
    const input = parseInput(passwordChangeInput, raw);
    const { user } = signedIn;
    const waitSeconds = await this.deps.throttle.blockedForSeconds(user.username, ip);
    if (waitSeconds > 0) throw new RateLimitError('Too many failed attempts; try again later.', waitSeconds);
    if (!(await verifyPasswordOrDummy(user.passwordHash, input.currentPassword))) {
      await this.deps.throttle.recordFailure(user.username, ip);
      await this.audit('auth.password_change_failed', user, { ip, actor: { type: 'user', id: user.id } }, {});
      throw new AuthenticationError('The current password is wrong.');
    }
    if (input.newPassword === input.currentPassword) {
      throw new InvalidRequestError('newPassword: must differ from the current password.');
    }
    const now = new Date();
    const updated = await this.deps.users.update(user.id, {
      passwordHash: await hashPassword(input.newPassword),
      mustChangePassword: false,
    });
    if (!updated) throw new AuthenticationError(SESSION_ENDED);
    const sessionsRevoked = await this.deps.refreshTokens.revokeUser(user.id, now);
    await this.audit(
      'user.password_change',
      updated,
      { ip, actor: { type: 'user', id: user.id } },
      {
        sessionsRevoked,
      },
    );
    return this.start(updated);
  }

  /** A session for a user another method (single sign-on) has authenticated; the caller audits it. */
  startFor(user: UserRecord): Promise<IssuedSession> {
    return this.start(user);
  }

  private start(user: UserRecord): Promise<IssuedSession> {
    return this.issue(user, randomUUID(), new Date());
  }

  private async issue(user: UserRecord, familyId: string, now: Date): Promise<IssuedSession> {
    const { token, hash } = generateRefreshToken();
    const refreshExpiresAt = new Date(now.getTime() + this.deps.refreshTokenTtlSeconds * 1000);
    await this.deps.refreshTokens.insert({
      id: randomUUID(),
      familyId,
      userId: user.id,
      tokenHash: hash,
      expiresAt: refreshExpiresAt,
    });
    return {
      user: userView(user),
      accessToken: await this.deps.accessTokens.issue({ userId: user.id, sessionId: familyId }, now),
      expiresIn: this.deps.accessTokens.ttlSeconds,
      refreshToken: token,
      refreshExpiresAt,
    };
  }

  private audit(
    action: string,
    target: { id: string } | null,
    context: AuditContext,
    details: Record<string, unknown>,
  ) {
    const actor = context.actor ?? { type: 'system', id: null };
    return this.deps.audit.append({
      actorType: actor.type,
      actorId: actor.id,
      action,
      targetType: target ? 'user' : null,
      targetId: target?.id ?? null,
      ip: context.ip ?? null,
      details,
    });
  }
}

import { hkdfSync } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

export const ACCESS_TOKEN_ISSUER = 'switchyard';
export const ACCESS_TOKEN_AUDIENCE = 'switchyard-api';
const ALGORITHM = 'HS256';
/** Gateways of one deployment may disagree on the time by a little. */
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * The access token signing key: JWT_SECRET when set, else HKDF-SHA256 of the master key, so every
 * gateway of a deployment shares it without another secret to distribute.
 */
export function accessTokenKey(masterKey: Buffer, override: string | undefined): Uint8Array {
  if (override !== undefined) return new Uint8Array(Buffer.from(override, 'utf8'));
  return new Uint8Array(
    hkdfSync('sha256', masterKey, Buffer.from('switchyard'), Buffer.from('access-token-hs256-v1'), 32),
  );
}

export interface AccessTokenClaims {
  userId: string;
  /** The refresh token family this access token was issued with. */
  sessionId: string;
}

/** Short-lived HS256 JWTs. Verification allows HS256 only and checks exp, nbf, iss and aud. */
export class AccessTokens {
  constructor(
    private readonly key: Uint8Array,
    readonly ttlSeconds: number,
  ) {}

  async issue(claims: AccessTokenClaims, now = new Date()): Promise<string> {
    const seconds = Math.floor(now.getTime() / 1000);
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt(seconds)
      .setNotBefore(seconds)
      .setExpirationTime(seconds + this.ttlSeconds)
      .sign(this.key);
  }

  /** The claims of a valid token, or undefined for anything else (never throws on bad input). */
  async verify(token: string): Promise<AccessTokenClaims | undefined> {
    if (token.length > 4096 || token.split('.').length !== 3) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        requiredClaims: ['exp', 'nbf', 'iat', 'sub'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        typ: 'JWT',
      });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return undefined;
      return { userId: payload.sub, sessionId: payload.sid };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return undefined;
      throw error;
    }
  }
}

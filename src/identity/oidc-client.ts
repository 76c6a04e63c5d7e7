/**
 * The relying party side of OpenID Connect, on `openid-client`: discovery, the authorization URL
 * (code flow, PKCE S256, state, nonce), and the code exchange with every ID token check the
 * library makes (signature, issuer, audience, nonce, exp, iat, and the `iss` response parameter
 * when the provider announces it). Errors leave here as SignOnErrors carrying a fixed reason for
 * the audit log; no code, token or provider text reaches a client.
 */
import { randomBytes } from 'node:crypto';
import type * as Oidc from 'openid-client';
import type { OidcConfig } from '../config/oidc.js';
import { type AnthropicErrorType, SwitchyardError } from '../errors.js';

const PROVIDER_TIMEOUT_SECONDS = 10;

/** Loaded at the first sign-in: a gateway without OIDC configured never loads the library. */
let library: Promise<typeof Oidc> | undefined;
const openidClient = (): Promise<typeof Oidc> => (library ??= import('openid-client'));

/** 32 bytes from the CSPRNG, base64url: what openid-client's randomState/Nonce/PKCECodeVerifier make. */
const random32 = () => randomBytes(32).toString('base64url');

/** A failed sign-on: a client-facing error plus the reason the audit log records. */
export class SignOnError extends SwitchyardError {
  constructor(
    type: AnthropicErrorType,
    message: string,
    readonly reason: string,
    /** A fixed-vocabulary code from the provider or the library (invalid_grant, OAUTH_…), if any. */
    readonly code?: string,
  ) {
    super(type, message, type === 'api_error' ? { status: 503, retryAfterSeconds: 5 } : {});
  }
}

export interface ProviderIdentity {
  /** The issuer as the provider's metadata states it (the configured URL may differ by a slash). */
  issuer: string;
  subject: string;
  /** ID token claims over UserInfo claims: the signed token wins where both have a claim. */
  claims: Readonly<Record<string, unknown>>;
}

export interface AuthorizationRequest {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export class OidcClient {
  private discovered: Promise<Oidc.Configuration> | undefined;

  constructor(private readonly config: OidcConfig) {}

  /** The provider's metadata, fetched once; a failed fetch is retried by the next sign-in. */
  private configuration(): Promise<Oidc.Configuration> {
    this.discovered ??= openidClient().then((oidc) =>
      oidc
        .discovery(
          new URL(this.config.issuerUrl),
          this.config.clientId,
          this.config.clientSecret,
          this.config.clientSecret === undefined ? oidc.None() : undefined,
          {
            timeout: PROVIDER_TIMEOUT_SECONDS,
            execute: this.config.allowInsecureIssuer ? [oidc.allowInsecureRequests] : [],
          },
        )
        .catch((error: unknown) => {
          this.discovered = undefined;
          throw new SignOnError(
            'api_error',
            'The sign-on provider cannot be reached; try again shortly.',
            'discovery_failed',
            codeOf(oidc, error),
          );
        }),
    );
    return this.discovered;
  }

  /** Fresh random state, nonce and PKCE verifier (each 32 bytes from the CSPRNG). */
  newAuthorizationRequest(): AuthorizationRequest {
    return {
      state: random32(),
      nonce: random32(),
      codeVerifier: random32(),
    };
  }

  async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
    const configuration = await this.configuration();
    const oidc = await openidClient();
    return oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.config.redirectUrl,
      scope: this.config.scopes,
      response_type: 'code',
      state: request.state,
      nonce: request.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(request.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /** Exchanges the code in the callback's query and returns the verified identity. */
  async complete(query: URLSearchParams, expected: AuthorizationRequest): Promise<ProviderIdentity> {
    const configuration = await this.configuration();
    const oidc = await openidClient();
    // Built from the configured redirect URL, not the request's Host: the token request must name
    // exactly the redirect_uri the provider registered, whatever proxy sits in front of us.
    const callbackUrl = new URL(this.config.redirectUrl);
    callbackUrl.search = query.toString();
    let tokens: Awaited<ReturnType<typeof Oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: expected.codeVerifier,
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw exchangeError(oidc, error);
    }
    const idClaims = tokens.claims();
    if (!idClaims) throw new SignOnError('authentication_error', SIGN_ON_FAILED, 'no_id_token');
    const issuer = configuration.serverMetadata().issuer;
    let userInfo: Record<string, unknown> = {};
    if (configuration.serverMetadata().userinfo_endpoint !== undefined) {
      try {
        // The subject must match the ID token's, or the provider mixed up two users.
        userInfo = await oidc.fetchUserInfo(configuration, tokens.access_token, idClaims.sub);
      } catch (error) {
        throw new SignOnError('authentication_error', SIGN_ON_FAILED, 'userinfo_failed', codeOf(oidc, error));
      }
    }
    return { issuer, subject: idClaims.sub, claims: { ...userInfo, ...idClaims } };
  }
}

const SIGN_ON_FAILED = 'Single sign-on failed; start again from the sign-in page.';

function codeOf(oidc: typeof Oidc, error: unknown): string | undefined {
  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) {
    return safeCode(error.error);
  }
  if (error instanceof oidc.ClientError) return safeCode(error.code);
  return undefined;
}

/** OAuth error codes and library codes are short identifiers; anything else is not echoed. */
const safeCode = (code: string | undefined) =>
  code !== undefined && /^[A-Za-z0-9_]{1,64}$/.test(code) ? code : undefined;

function exchangeError(oidc: typeof Oidc, error: unknown): SignOnError {
  if (error instanceof oidc.AuthorizationResponseError) {
    // The provider refused (the user cancelled, no access to this client, ...).
    return new SignOnError('authentication_error', SIGN_ON_FAILED, 'provider_refused', codeOf(oidc, error));
  }
  if (error instanceof oidc.ResponseBodyError) {
    // invalid_grant: a code used twice, expired, or issued for another verifier.
    return new SignOnError('authentication_error', SIGN_ON_FAILED, 'code_rejected', codeOf(oidc, error));
  }
  if (error instanceof oidc.ClientError) {
    return new SignOnError('authentication_error', SIGN_ON_FAILED, 'response_invalid', codeOf(oidc, error));
  }
  return new SignOnError(
    'api_error',
    'The sign-on provider cannot be reached; try again shortly.',
    'provider_unreachable',
  );
}

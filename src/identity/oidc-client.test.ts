import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { OidcConfig } from '../config/oidc.js';
import { OidcClient, SignOnError } from './oidc-client.js';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const config = (issuerUrl: string): OidcConfig => ({
  issuerUrl,
  clientId: 'switchyard',
  clientSecret: 'client-secret-never-shown',
  redirectUrl: 'http://localhost/api/auth/oidc/callback',
  postLoginUrl: 'http://localhost/',
  scopes: 'openid',
  roleClaim: undefined,
  roleMap: [{ value: '*', role: 'member' }],
  usernameClaim: undefined,
  displayName: 'Test',
  allowInsecureIssuer: true,
});

describe('OidcClient', () => {
  it('answers 503 with retry-after while the provider is unreachable, and tries again next time', async () => {
    const client = new OidcClient(config(`http://127.0.0.1:${await closedPort()}`));
    const request = client.newAuthorizationRequest();
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await client.authorizationUrl(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SignOnError);
      expect(error).toMatchObject({
        status: 503,
        type: 'api_error',
        reason: 'discovery_failed',
        retryAfterSeconds: 5,
      });
      expect(String((error as Error).message)).not.toContain('client-secret-never-shown');
    }
  });

  it('makes fresh, unguessable state, nonce and verifier each time', () => {
    const client = new OidcClient(config('http://127.0.0.1:1'));
    const a = client.newAuthorizationRequest();
    const b = client.newAuthorizationRequest();
    for (const key of ['state', 'nonce', 'codeVerifier'] as const) {
      expect(a[key]).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(a[key]).not.toBe(b[key]);
    }
  });
});

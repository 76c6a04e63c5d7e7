import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from '../../src/identity/access-tokens.js';
import type { TestGateway } from '../support/gateway.js';
import { api, expectError, startAuthGateway, TEST_JWT_SECRET, type Session } from './support.js';

const key = new TextEncoder().encode(TEST_JWT_SECRET);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Forged access tokens: every one must get a 401, never a 200, 403 or 500. */
describe('access token forgery', () => {
  let gateway: TestGateway;
  let client: ReturnType<typeof api>;
  let victim: Session;
  let claims: JWTPayload;
  beforeAll(async () => {
    gateway = await startAuthGateway();
    client = api(gateway);
    victim = await client.userWithRole('admin');
    claims = JSON.parse(
      Buffer.from(victim.accessToken.split('.')[1] ?? '', 'base64url').toString(),
    ) as JWTPayload;
  });
  afterAll(() => gateway?.close());

  const now = () => Math.floor(Date.now() / 1000);
  const sign = (
    overrides: Partial<JWTPayload> = {},
    alg = 'HS256',
    signingKey: Parameters<SignJWT['sign']>[0] = key,
  ) => new SignJWT({ ...claims, ...overrides }).setProtectedHeader({ alg, typ: 'JWT' }).sign(signingKey);
  const usersWith = (token: string) =>
    client.inject({ method: 'GET', url: '/api/admin/users', headers: { authorization: `Bearer ${token}` } });

  it('accepts the genuine token and one re-signed with the same claims (the forger’s baseline)', async () => {
    expect((await usersWith(victim.accessToken)).statusCode).toBe(200);
    expect((await usersWith(await sign())).statusCode).toBe(200);
  });

  it('refuses alg none', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const token = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}.`;
      expectError(await usersWith(token), 401, 'authentication_error');
    }
  });

  it('refuses other algorithms: HS512/HS384 with the right key, RS256 and ES256 with their own keys', async () => {
    expectError(await usersWith(await sign({}, 'HS512')), 401, 'authentication_error');
    expectError(await usersWith(await sign({}, 'HS384')), 401, 'authentication_error');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expectError(await usersWith(await sign({}, 'RS256', rsa.privateKey)), 401, 'authentication_error');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expectError(await usersWith(await sign({}, 'ES256', ec.privateKey)), 401, 'authentication_error');
  });

  it('refuses HS/RS confusion: HS256 signed with a public key as the secret', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
    expectError(
      await usersWith(await sign({}, 'HS256', new TextEncoder().encode(String(pem)))),
      401,
      'authentication_error',
    );
  });

  it('refuses expired and not-yet-valid tokens', async () => {
    expectError(
      await usersWith(await sign({ iat: now() - 3600, nbf: now() - 3600, exp: now() - 60 })),
      401,
      'authentication_error',
    );
    expectError(
      await usersWith(await sign({ nbf: now() + 600, exp: now() + 1200 })),
      401,
      'authentication_error',
    );
    expectError(await usersWith(await sign({ exp: undefined })), 401, 'authentication_error');
    expectError(await usersWith(await sign({ nbf: undefined })), 401, 'authentication_error');
  });

  it('refuses a wrong audience or issuer', async () => {
    expectError(await usersWith(await sign({ aud: 'someone-else' })), 401, 'authentication_error');
    expectError(await usersWith(await sign({ aud: undefined })), 401, 'authentication_error');
    expectError(await usersWith(await sign({ iss: 'https://evil.example' })), 401, 'authentication_error');
    expectError(await usersWith(await sign({ iss: undefined })), 401, 'authentication_error');
    expect(claims).toMatchObject({ iss: ACCESS_TOKEN_ISSUER, aud: ACCESS_TOKEN_AUDIENCE });
  });

  it('refuses a tampered payload or signature, and a token signed with another key', async () => {
    const [header, payload, signature] = victim.accessToken.split('.') as [string, string, string];
    const elevated = b64({ ...claims, sub: '00000000-0000-0000-0000-000000000000' });
    expectError(await usersWith(`${header}.${elevated}.${signature}`), 401, 'authentication_error');
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    expectError(await usersWith(`${header}.${payload}.${flipped}`), 401, 'authentication_error');
    expectError(await usersWith(`${header}.${payload}`), 401, 'authentication_error');
    const otherKey = new TextEncoder().encode('another-secret-that-is-long-enough-000000');
    expectError(await usersWith(await sign({}, 'HS256', otherKey)), 401, 'authentication_error');
  });

  it('refuses a well-signed token for a user or session that does not exist', async () => {
    expectError(
      await usersWith(await sign({ sub: '00000000-0000-0000-0000-000000000000' })),
      401,
      'authentication_error',
    );
    expectError(
      await usersWith(await sign({ sid: '00000000-0000-0000-0000-000000000000' })),
      401,
      'authentication_error',
    );
    expectError(
      await usersWith(await sign({ sid: "' OR 1=1--", sub: "' OR 1=1--" })),
      401,
      'authentication_error',
    );
  });

  it('refuses API keys, garbage and SQL in the bearer field', async () => {
    for (const token of [gateway.key, "' OR 1=1--", 'a.b.c', '..', 'x'.repeat(10_000)]) {
      expectError(await usersWith(token), 401, 'authentication_error');
    }
  });
});

/**
 * A real OpenID Connect provider (`oidc-provider`) on a spare loopback port, and a browser
 * stand-in that walks the authorization-code flow over plain HTTP: redirects followed by hand,
 * the provider's login and consent forms submitted, cookies kept per party.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

export const CLIENT_ID = 'switchyard-test';
export const CLIENT_SECRET = 'test-client-secret-7f3a9c1e5b2d4f60';
/** Registered at the provider; the gateway is reached at its real port, the path is what matters. */
export const REDIRECT_URL = 'http://localhost/api/auth/oidc/callback';
export const POST_LOGIN_URL = 'http://localhost/app/';

export interface TestAccount {
  preferred_username?: string;
  email?: string;
  groups?: string[];
}

export interface TestProvider {
  issuer: string;
  /** Claims by account id (the provider's `sub`); change them between sign-ins. */
  accounts: Map<string, TestAccount>;
  close(): Promise<void>;
}

export async function startTestProvider(): Promise<TestProvider> {
  const accounts = new Map<string, TestAccount>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const configuration: Configuration = {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' }] },
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [REDIRECT_URL],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    // groups rides on the profile scope, so the default scopes fetch it (from UserInfo: the
    // provider keeps scope claims out of the ID token in the code flow, as many do).
    claims: {
      openid: ['sub'],
      profile: ['preferred_username', 'groups'],
      email: ['email', 'email_verified'],
    },
    findAccount: (_ctx, id) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, ...account }) };
    },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: ['oidc-test-cookie-key-0123456789abcdef'] },
  };
  const provider = new Provider(issuer, configuration);
  server.on('request', provider.callback());
  return {
    issuer,
    accounts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Cookies as a browser keeps them for one site, minus paths and expiry (enough for one flow). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some(
        (a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /max-age=0\b/i.test(a),
      );
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

const request = (url: string, jar: CookieJar, init: RequestInit = {}) =>
  fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
  }).then((response) => {
    jar.take(response);
    return response;
  });

export interface ProviderLeg {
  /** The gateway's answer to GET /api/auth/oidc/login. */
  loginResponse: Response;
  /** Where the provider sent the browser back: the callback URL with code, state and iss. */
  callback: URL;
  /** The gateway's cookies (the sealed login state among them). */
  gatewayJar: CookieJar;
}

/**
 * From GET /api/auth/oidc/login to the provider's redirect back, signing in as `accountId` and
 * consenting. The callback itself is left to the caller (to tamper with, or replay).
 */
export async function throughProvider(gatewayUrl: string, accountId: string): Promise<ProviderLeg> {
  const gatewayJar = new CookieJar();
  const providerJar = new CookieJar();
  const loginResponse = await request(`${gatewayUrl}/api/auth/oidc/login`, gatewayJar);
  let location = loginResponse.headers.get('location');
  if (loginResponse.status !== 302 || !location) throw new Error(`login answered ${loginResponse.status}`);
  for (let hop = 0; hop < 20; hop++) {
    if (location.startsWith(REDIRECT_URL)) return { loginResponse, callback: new URL(location), gatewayJar };
    const response = await request(location, providerJar);
    if (response.status >= 300 && response.status < 400) {
      location = new URL(response.headers.get('location') ?? '', location).href;
      continue;
    }
    const page = await response.text();
    if (response.status !== 200)
      throw new Error(`provider answered ${response.status}: ${page.slice(0, 300)}`);
    // devInteractions' forms: a login form (any password) and a consent form, both POSTed back.
    const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
    const form =
      prompt === 'login'
        ? new URLSearchParams({ prompt, login: accountId, password: 'any' })
        : new URLSearchParams({ prompt: prompt ?? 'consent' });
    const submitted = await request(location, providerJar, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    location = new URL(submitted.headers.get('location') ?? '', location).href;
  }
  throw new Error('the provider never redirected back');
}

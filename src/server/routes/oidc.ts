import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../errors.js';
import { LOGIN_STATE_TTL_SECONDS, type SsoService } from '../../services/sso.js';
import { AUTH_PREFIX, setRefreshCookie } from './auth.js';
import { documented } from '../openapi/route-doc.js';
import { views } from '../openapi/views.js';
import { publicRoute } from './route-policy.js';

/** The sealed state, nonce and PKCE verifier of one sign-on attempt (`__Secure-`: HTTPS only). */
export const OIDC_STATE_COOKIE = '__Secure-sy-oidc';
const CALLBACK_PATH = `${AUTH_PREFIX}/oidc/callback`;

const stateCookieOptions = {
  httpOnly: true,
  secure: true,
  // Lax, not Strict: the callback is a top-level navigation coming from the provider's site, and
  // a Strict cookie would not be sent with it. Lax still withholds it from cross-site POSTs and
  // subresources, and the cookie is sent to the callback path only.
  sameSite: 'lax',
  path: CALLBACK_PATH,
} as const;

function enabled(sso: SsoService | undefined): SsoService {
  if (!sso) throw new NotFoundError('Single sign-on is not configured on this server.');
  return sso;
}

/**
 * Single sign-on: which sign-in methods exist, the redirect to the provider, and its callback.
 * Registered whether or not SSO is configured, so the route table is the same on every server.
 */
export function registerOidcRoutes(app: FastifyInstance, sso: SsoService | undefined): void {
  void app.register(
    async (scope) => {
      await scope.register(cookie);

      const providers = documented(publicRoute, {
        summary: 'The sign-in methods this server offers',
        responses: {
          200: { description: 'Password, and single sign-on if configured.', schema: views.providers },
        },
      });
      scope.get('/providers', providers, async (_request, reply) => {
        void reply.header('cache-control', 'no-store');
        return {
          password: true,
          oidc: sso
            ? { enabled: true, name: sso.displayName, login_url: `${AUTH_PREFIX}/oidc/login` }
            : { enabled: false },
        };
      });

      const login = documented(publicRoute, {
        summary: 'Start single sign-on: a redirect to the provider (404 when SSO is off)',
        responses: { 302: { description: 'To the provider.' } },
      });
      scope.get('/oidc/login', login, async (_request, reply) => {
        const start = await enabled(sso).begin();
        void reply.setCookie(OIDC_STATE_COOKIE, start.sealedState, {
          ...stateCookieOptions,
          maxAge: LOGIN_STATE_TTL_SECONDS,
        });
        void reply.header('cache-control', 'no-store');
        return reply.redirect(start.redirectTo.href, 302);
      });

      const callback = documented(publicRoute, {
        summary: "The provider's redirect back; signs in and redirects to the app",
        responses: { 303: { description: 'To the app, signed in (refresh cookie set).' } },
      });
      scope.get('/oidc/callback', callback, async (request, reply) => {
        const service = enabled(sso);
        // Spent whatever the outcome: one attempt, one callback.
        void reply.clearCookie(OIDC_STATE_COOKIE, stateCookieOptions);
        void reply.header('cache-control', 'no-store');
        // The URL carries the code until the redirect below; do not hand it on as a Referer.
        void reply.header('referrer-policy', 'no-referrer');
        const query = new URL(request.url, 'http://callback.invalid').searchParams;
        const session = await service.complete(query, request.cookies[OIDC_STATE_COOKIE], request.ip);
        // The same refresh cookie as a password sign-in; no token goes into a URL. The web app
        // calls POST /api/auth/refresh on load and gets its access token from there.
        setRefreshCookie(reply, session);
        return reply.redirect(service.postLoginUrl, 303);
      });
    },
    { prefix: AUTH_PREFIX },
  );
}

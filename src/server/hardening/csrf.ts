/**
 * CSRF defence for the only requests a browser authenticates by itself: those carrying the
 * refresh cookie (`/api/auth/refresh`, `/logout`, anything else under its path). Everything else
 * is authenticated by a header (access token, API key) that a foreign page cannot make a
 * browser send. The cookie is SameSite=Strict already; this is the second lock, for same-site
 * attackers (a sibling subdomain) and browsers that ignore SameSite.
 */
import type { FastifyInstance } from 'fastify';
import { PermissionError } from '../../errors.js';
import { REFRESH_COOKIE } from '../routes/auth.js';
import { originAllowed } from './origin.js';

/** Any value will do: a cross-origin page can only send a custom header after a CORS preflight we allow. */
export const CSRF_HEADER = 'x-switchyard-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const COOKIE_MARK = `${REFRESH_COOKIE}=`;

export function installCsrfCheck(app: FastifyInstance, trustedOrigins: ReadonlySet<string>): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const cookie = request.headers.cookie;
    if (cookie === undefined || SAFE_METHODS.has(request.method) || !cookie.includes(COOKIE_MARK))
      return done();
    if (request.headers[CSRF_HEADER] !== undefined) return done();
    if (originAllowed(request.headers.origin, request.headers.host, trustedOrigins)) return done();
    done(
      new PermissionError(
        `Cross-site request refused: requests that carry the session cookie need an Origin of this site ` +
          `or the ${CSRF_HEADER} header.`,
      ),
    );
  });
}

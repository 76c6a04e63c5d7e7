import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PERMISSIONS, roleGrants } from '../../identity/roles.js';
import type { IssuedSession, SessionsService } from '../../services/sessions.js';
import type { UsersService } from '../../services/users.js';
import { userView } from '../../services/users.js';
import { clientKeyFrom } from '../client-credentials.js';
import { parseJsonBody } from '../json-body.js';
import { auditContextOf, publicRoute, signedIn, signedInUserOf } from './route-policy.js';

export const AUTH_PREFIX = '/api/auth';
/** `__Secure-`: browsers accept it only with Secure, so it cannot be planted over plain HTTP. */
export const REFRESH_COOKIE = '__Secure-sy-refresh';

export interface AuthRouteDeps {
  sessions: SessionsService;
  users: UsersService;
}

function sendSession(reply: FastifyReply, session: IssuedSession) {
  void reply.setCookie(REFRESH_COOKIE, session.refreshToken, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    // Sent to the auth routes only: never with the Messages API or the rest of the admin API.
    path: AUTH_PREFIX,
    expires: session.refreshExpiresAt,
  });
  void reply.header('cache-control', 'no-store');
  return reply.send({
    access_token: session.accessToken,
    token_type: 'Bearer',
    expires_in: session.expiresIn,
    user: session.user,
  });
}

const refreshCookieOf = (request: FastifyRequest): string | undefined => request.cookies[REFRESH_COOKIE];

/** Sign-up, sign-in, refresh, sign-out, password change and "who am I". */
export function registerAuthRoutes(app: FastifyInstance, deps: AuthRouteDeps): void {
  void app.register(
    async (auth) => {
      // Registered in this scope only: no other route parses cookies.
      await auth.register(cookie);

      auth.post('/register', publicRoute, async (request, reply) =>
        reply.code(201).send(await deps.users.register(parseJsonBody(request.body), auditContextOf(request))),
      );
      auth.post('/login', publicRoute, async (request, reply) =>
        sendSession(reply, await deps.sessions.login(parseJsonBody(request.body), request.ip)),
      );
      auth.post('/refresh', publicRoute, async (request, reply) =>
        sendSession(reply, await deps.sessions.refresh(refreshCookieOf(request), request.ip)),
      );
      auth.post('/logout', publicRoute, async (request, reply) => {
        // The cookie names the session; a still-valid access token works when the cookie is gone.
        const bearer = clientKeyFrom(request.headers);
        const signedInUser = bearer === undefined ? undefined : await deps.sessions.authenticate(bearer);
        await deps.sessions.logout(refreshCookieOf(request), signedInUser, request.ip);
        void reply.clearCookie(REFRESH_COOKIE, {
          path: AUTH_PREFIX,
          httpOnly: true,
          secure: true,
          sameSite: 'strict',
        });
        return reply.code(204).send();
      });
      auth.post('/password', signedIn, async (request, reply) =>
        sendSession(
          reply,
          await deps.sessions.changePassword(
            signedInUserOf(request),
            parseJsonBody(request.body),
            request.ip,
          ),
        ),
      );
      auth.get('/me', signedIn, async (request) => {
        const { user } = signedInUserOf(request);
        return { ...userView(user), permissions: PERMISSIONS.filter((p) => roleGrants(user.role, p)) };
      });
    },
    { prefix: AUTH_PREFIX },
  );
}

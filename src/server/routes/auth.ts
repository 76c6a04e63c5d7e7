import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PERMISSIONS, roleGrants } from '../../identity/roles.js';
import { loginInput, passwordChangeInput, registerInput } from '../../services/auth-types.js';
import type { IssuedSession, SessionsService } from '../../services/sessions.js';
import type { UsersService } from '../../services/users.js';
import { userView } from '../../services/users.js';
import { clientKeyFrom } from '../client-credentials.js';
import { parseJsonBody } from '../json-body.js';
import { documented, named } from '../openapi/route-doc.js';
import { views } from '../openapi/views.js';
import { auditContextOf, publicRoute, signedIn, signedInUserOf } from './route-policy.js';

export const AUTH_PREFIX = '/api/auth';
/** `__Secure-`: browsers accept it only with Secure, so it cannot be planted over plain HTTP. */
export const REFRESH_COOKIE = '__Secure-sy-refresh';

export interface AuthRouteDeps {
  sessions: SessionsService;
  users: UsersService;
}

/** The refresh cookie of a new session; single sign-on's callback sets it too. */
export function setRefreshCookie(reply: FastifyReply, session: IssuedSession): void {
  void reply.setCookie(REFRESH_COOKIE, session.refreshToken, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    // Sent to the auth routes only: never with the Messages API or the rest of the admin API.
    path: AUTH_PREFIX,
    expires: session.refreshExpiresAt,
  });
  void reply.header('cache-control', 'no-store');
}

function sendSession(reply: FastifyReply, session: IssuedSession) {
  setRefreshCookie(reply, session);
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

      const session = {
        200: { description: 'Signed in; the refresh cookie is set.', schema: views.session },
      };
      auth.post(
        '/register',
        documented(publicRoute, {
          summary: 'Create an account (role member)',
          body: named('Register', registerInput),
          responses: { 201: { description: 'The new user.', schema: views.user } },
        }),
        async (request, reply) =>
          reply
            .code(201)
            .send(await deps.users.register(parseJsonBody(request.body), auditContextOf(request))),
      );
      auth.post(
        '/login',
        documented(publicRoute, { summary: 'Sign in', body: named('Login', loginInput), responses: session }),
        async (request, reply) =>
          sendSession(reply, await deps.sessions.login(parseJsonBody(request.body), request.ip)),
      );
      auth.post(
        '/refresh',
        documented(publicRoute, {
          summary: 'A new access token for the refresh cookie (which rotates)',
          body: null,
          responses: session,
        }),
        async (request, reply) =>
          sendSession(reply, await deps.sessions.refresh(refreshCookieOf(request), request.ip)),
      );
      const logout = documented(publicRoute, {
        summary: 'Sign out: ends the session of the refresh cookie (or of the access token)',
        body: null,
        responses: { 204: { description: 'Signed out.' } },
      });
      auth.post('/logout', logout, async (request, reply) => {
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
      auth.post(
        '/password',
        documented(signedIn, {
          summary: 'Change your password; ends every other session',
          body: named('PasswordChange', passwordChangeInput),
          responses: session,
        }),
        async (request, reply) =>
          sendSession(
            reply,
            await deps.sessions.changePassword(
              signedInUserOf(request),
              parseJsonBody(request.body),
              request.ip,
            ),
          ),
      );
      const me = documented(signedIn, {
        summary: 'Who am I, and what may I do',
        responses: { 200: { description: 'The signed-in user.', schema: views.me } },
      });
      auth.get('/me', me, async (request) => {
        const { user } = signedInUserOf(request);
        return { ...userView(user), permissions: PERMISSIONS.filter((p) => roleGrants(user.role, p)) };
      });
    },
    { prefix: AUTH_PREFIX },
  );
}

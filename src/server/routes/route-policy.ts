/**
 * Function-level authorization in one place. Every /api route declares `config: { policy }`;
 * one onRoute hook refuses to register an /api route without one, and one preParsing hook
 * authenticates the caller and checks the policy before the body is even read.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';
import { AuthenticationError, PermissionError } from '../../errors.js';
import { roleGrants, PERMISSIONS, type Permission } from '../../identity/roles.js';
import type { AuditContext } from '../../services/audit-context.js';
import type { SessionsService, SignedInUser } from '../../services/sessions.js';
import type { UserRole } from '../../store/types.js';
import { clientKeyFrom } from '../client-credentials.js';
import type { RouteDoc } from '../openapi/route-doc.js';

export type RoutePolicy =
  /** Anyone; the route authenticates by other means if at all (login, refresh cookie). */
  | { access: 'public' }
  /** Any signed-in user, even one who must change their password first (me, password). */
  | { access: 'signed_in' }
  /** A signed-in user whose role grants the permission (see identity/roles.ts). */
  | { access: 'permission'; permission: Permission };

export const publicRoute: { config: { policy: RoutePolicy } } = { config: { policy: { access: 'public' } } };
export const signedIn: { config: { policy: RoutePolicy } } = { config: { policy: { access: 'signed_in' } } };
/** Route options naming a permission: `app.get(url, requires('audit:read'), handler)`. */
export const requires = (permission: Permission): { config: { policy: RoutePolicy } } => ({
  config: { policy: { access: 'permission', permission } },
});

/** Who is calling the /api routes. */
export type ApiActor =
  /** The local admin token from the data dir (the command line). */
  { kind: 'local_admin'; role: 'admin' } | ({ kind: 'user'; role: UserRole } & SignedInUser);

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
  }
  interface FastifyRequest {
    /** Set on /api routes that are not public. */
    actor: ApiActor | null;
  }
}

export interface RegisteredRoute {
  method: string;
  url: string;
  policy: RoutePolicy | undefined;
  /** What the OpenAPI document says about the route (openapi/route-doc.ts). */
  doc: RouteDoc | undefined;
}

const inventories = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route registered on the app, for the route-policy test. */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return inventories.get(app) ?? [];
}

export const isApiPath = (url: string) => url === '/api' || url.startsWith('/api/');

function validPolicy(policy: unknown): policy is RoutePolicy {
  if (typeof policy !== 'object' || policy === null) return false;
  const { access, permission } = policy as { access?: unknown; permission?: unknown };
  if (access === 'public' || access === 'signed_in') return true;
  return access === 'permission' && (PERMISSIONS as readonly unknown[]).includes(permission);
}

export interface RoutePolicyDeps {
  sessions: SessionsService;
  adminToken: string;
}

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function authenticate(request: FastifyRequest, deps: RoutePolicyDeps): Promise<ApiActor> {
  const token = clientKeyFrom(request.headers);
  if (token === undefined)
    throw new AuthenticationError('Sign in first: send Authorization: Bearer <access token>.');
  if (tokenMatches(token, deps.adminToken)) return { kind: 'local_admin', role: 'admin' };
  const signedInUser = await deps.sessions.authenticate(token);
  if (!signedInUser)
    throw new AuthenticationError('The access token is invalid or expired; refresh it or sign in again.');
  return { kind: 'user', role: signedInUser.user.role, ...signedInUser };
}

async function authorize(request: FastifyRequest, policy: RoutePolicy, deps: RoutePolicyDeps): Promise<void> {
  if (policy.access === 'public') return;
  const actor = await authenticate(request, deps);
  request.actor = actor;
  if (policy.access === 'signed_in') return;
  if (actor.kind === 'user' && actor.user.mustChangePassword) {
    throw new PermissionError('Change your password first: POST /api/auth/password.');
  }
  if (!roleGrants(actor.role, policy.permission)) {
    throw new PermissionError(`Your role (${actor.role}) does not allow this.`);
  }
}

/** Installs the route inventory and the policy check. Call before any route is registered. */
export function installRoutePolicy(app: FastifyInstance, deps: RoutePolicyDeps): void {
  const inventory: RegisteredRoute[] = [];
  inventories.set(app, inventory);
  app.decorateRequest('actor', null);
  app.addHook('onRoute', (route) => {
    const policy: unknown = route.config?.policy;
    const methods = ([] as HTTPMethods[]).concat(route.method);
    for (const method of methods) {
      inventory.push({
        method,
        url: route.url,
        policy: validPolicy(policy) ? policy : undefined,
        doc: route.config?.doc,
      });
    }
    if (isApiPath(route.url) && !validPolicy(policy)) {
      throw new Error(`${methods.join(',')} ${route.url} declares no valid policy (config.policy)`);
    }
  });
  // preParsing: after app.ts's onRequest bookkeeping (access log, in-flight tracking), before the
  // body is read, so a caller without rights never gets a byte of it parsed.
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const policy = request.routeOptions.config.policy;
    if (policy === undefined || policy.access === 'public') return done(null, payload);
    authorize(request, policy, deps).then(
      () => done(null, payload),
      (error: unknown) => done(error as Error),
    );
  });
}

/** The audit log's view of the caller of an /api request. */
export function auditContextOf(request: FastifyRequest): AuditContext {
  const actor = request.actor;
  return {
    ip: request.ip,
    actor:
      actor === null
        ? { type: 'system', id: null }
        : actor.kind === 'local_admin'
          ? { type: 'cli', id: null }
          : { type: 'user', id: actor.user.id },
  };
}

/** The signed-in user of a route whose policy demands one; the local admin token is not a user. */
export function signedInUserOf(request: FastifyRequest): SignedInUser {
  const actor = request.actor;
  if (actor?.kind !== 'user') {
    throw new PermissionError('This route is for signed-in users; the local admin token has no account.');
  }
  return actor;
}

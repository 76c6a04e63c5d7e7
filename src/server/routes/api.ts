import type { FastifyInstance } from 'fastify';
import type { IdentityServices } from '../../services/identity-services.js';
import type { ModelCatalogueService } from '../../services/model-catalogue.js';
import type { UsageReportsService } from '../../services/usage-reports.js';
import { registerAdminRoutes, type AdminRouteDeps } from './admin.js';
import { registerAuditRoutes } from './audit.js';
import { registerAuthRoutes } from './auth.js';
import { registerModelAdminRoutes } from './models-admin.js';
import { registerOwnKeyRoutes } from './keys.js';
import { registerUsageReportRoutes } from './usage-reports.js';
import { registerOidcRoutes } from './oidc.js';
import { registerOpenApiRoute } from './openapi.js';
import { registerUserRoutes } from './users.js';

export type ApiRouteDeps = AdminRouteDeps &
  IdentityServices & { models: ModelCatalogueService; usageReports: UsageReportsService };

/**
 * Every /api route: sign-in, the user's own keys, and the admin API. Each declares its policy;
 * route-policy.ts checks them (and app.ts installs it before any route exists).
 */
export function registerApiRoutes(app: FastifyInstance, deps: ApiRouteDeps): void {
  registerAuthRoutes(app, deps);
  registerOidcRoutes(app, deps.sso);
  registerOwnKeyRoutes(app, deps.apiKeys);
  registerAdminRoutes(app, deps);
  registerUserRoutes(app, deps.users);
  registerModelAdminRoutes(app, deps.models);
  registerAuditRoutes(app, deps.auditLog);
  registerUsageReportRoutes(app, deps.usageReports);
  registerOpenApiRoute(app);
}

import type { FastifyInstance } from 'fastify';
import type { BackupsService } from '../../services/backups.js';
import type { IdentityServices } from '../../services/identity-services.js';
import type { ModelCatalogueService } from '../../services/model-catalogue.js';
import type { UsageReportsService } from '../../services/usage-reports.js';
import type { UsageRetentionService } from '../../services/usage-retention.js';
import { registerAdminRoutes, type AdminRouteDeps } from './admin.js';
import { registerAuditRoutes } from './audit.js';
import { registerAuthRoutes } from './auth.js';
import { registerBackupRoutes } from './backups.js';
import { registerModelAdminRoutes } from './models-admin.js';
import { registerOwnKeyRoutes } from './keys.js';
import { registerOperationsRoutes, type OperationsRouteDeps } from './operations.js';
import { registerUsageReportRoutes } from './usage-reports.js';
import { registerUsageRetentionRoutes } from './usage-retention.js';
import { registerOidcRoutes } from './oidc.js';
import { registerOpenApiRoute } from './openapi.js';
import { registerUserRoutes } from './users.js';

export type ApiRouteDeps = AdminRouteDeps &
  IdentityServices & {
    models: ModelCatalogueService;
    usageReports: UsageReportsService;
    /** Absent where no store is ours to back up (tests of other routes). */
    backups?: BackupsService;
    /** Workers, the request queue and settings (the admin pages); absent in tests of other routes. */
    operations?: OperationsRouteDeps;
    /** Usage roll-up and pruning (docs/retention.md); absent in tests of other routes. */
    usageRetention?: UsageRetentionService;
  };

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
  if (deps.backups) registerBackupRoutes(app, deps.backups);
  if (deps.operations) registerOperationsRoutes(app, deps.operations);
  if (deps.usageRetention) registerUsageRetentionRoutes(app, deps.usageRetention);
  registerOpenApiRoute(app);
}

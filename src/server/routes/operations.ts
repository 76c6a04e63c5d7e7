import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestQueueService } from '../../services/request-queue.js';
import { settingsPatchInput } from '../../services/settings-types.js';
import type { SettingsService } from '../../services/settings.js';
import type { WorkersService } from '../../services/workers.js';
import { parseJsonBody } from '../json-body.js';
import { documented, named } from '../openapi/route-doc.js';
import { operationsViews } from '../openapi/operations-views.js';
import { auditContextOf, requires } from './route-policy.js';

export interface OperationsRouteDeps {
  workers: WorkersService;
  requestQueue: RequestQueueService;
  settings: SettingsService;
}

/** The admin pages' operations (docs/admin-operations.md): workers and drain, the queue, settings. */
export function registerOperationsRoutes(app: FastifyInstance, deps: OperationsRouteDeps): void {
  void app.register(
    async (admin) => {
      const id = (request: FastifyRequest) => (request.params as { id: string }).id;
      const read = requires('operations:read');
      const write = requires('operations:write');
      const manage = requires('settings:manage');
      const noStore = { 'cache-control': 'no-store' };

      admin.get(
        '/workers',
        documented(read, {
          summary: 'Workers: state, host, accounts, jobs in flight, last heartbeat',
          description: 'Embedded mode lists the server itself as its one worker (it cannot be drained).',
          responses: { 200: { description: 'Every registered worker.', schema: operationsViews.workers } },
        }),
        async (_request, reply) => reply.headers(noStore).send(await deps.workers.list()),
      );
      for (const [action, drain] of [
        ['drain', true],
        ['undrain', false],
      ] as const) {
        admin.post(
          `/workers/:id/${action}`,
          documented(write, {
            summary: drain
              ? 'Drain a worker: it takes no new jobs, finishes running ones, then reports drained'
              : 'Undrain a worker: it takes jobs again',
            description: 'Gateways stop queueing for its accounts at their next registry read (≤ 1 s).',
            body: null,
            params: { id: 'The worker id (GET /api/admin/workers).' },
            responses: { 200: { description: 'The worker.', schema: operationsViews.worker } },
          }),
          async (request) =>
            drain
              ? deps.workers.drain(id(request), auditContextOf(request))
              : deps.workers.undrain(id(request), auditContextOf(request)),
        );
      }

      admin.get(
        '/queue',
        documented(read, {
          summary: 'Requests in progress on every gateway: waiting (for an account or a worker) and active',
          responses: { 200: { description: 'The queue.', schema: operationsViews.queue } },
        }),
        async (_request, reply) => reply.headers(noStore).send(await deps.requestQueue.list()),
      );
      admin.post(
        '/queue/:id/cancel',
        documented(write, {
          summary: 'Cancel a waiting or running request; its client gets a 409 invalid_request_error',
          body: null,
          params: { id: 'The request id (req_…).' },
          responses: { 200: { description: 'What was cancelled.', schema: operationsViews.cancelled } },
        }),
        async (request) => deps.requestQueue.cancel(id(request), auditContextOf(request)),
      );

      admin.get(
        '/settings',
        documented(manage, {
          summary: 'Gateway-wide settings, their defaults, and when each was last changed',
          responses: { 200: { description: 'The settings.', schema: operationsViews.settings } },
        }),
        async (_request, reply) => reply.headers(noStore).send(await deps.settings.view()),
      );
      admin.patch(
        '/settings',
        documented(manage, {
          summary: 'Change settings (audited); every gateway applies them at once',
          body: named('SettingsPatch', settingsPatchInput),
          responses: { 200: { description: 'The settings.', schema: operationsViews.settings } },
        }),
        async (request) => deps.settings.update(parseJsonBody(request.body), auditContextOf(request)),
      );
    },
    { prefix: '/api/admin' },
  );
}

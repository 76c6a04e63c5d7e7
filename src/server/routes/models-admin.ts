import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AliasInput, ModelInput } from '../../services/model-catalogue-types.js';
import { aliasInput, modelInput } from '../../services/model-catalogue-types.js';
import type { ModelCatalogueService } from '../../services/model-catalogue.js';
import { parseJsonBody } from '../json-body.js';
import { documented, named } from '../openapi/route-doc.js';
import { views } from '../openapi/views.js';
import { auditContextOf, requires } from './route-policy.js';

/**
 * The model catalogue and its aliases (docs/models.md). Aliases have their own prefix so no model
 * id can collide with a path segment of theirs.
 */
export function registerModelAdminRoutes(app: FastifyInstance, models: ModelCatalogueService): void {
  void app.register(
    async (admin) => {
      const read = requires('models:read');
      const write = requires('models:write');
      const param = (request: FastifyRequest, name: 'id' | 'alias') =>
        (request.params as Record<string, string>)[name] ?? '';

      const id = { id: 'The model id.' };
      const aliasParam = { alias: 'The alias.' };
      const model = { 200: { description: 'The model.', schema: views.model } };

      admin.get(
        '/models',
        documented(read, {
          summary: 'The model catalogue, with prices and fallbacks',
          responses: { 200: { description: 'Every model.', schema: views.models } },
        }),
        async () => ({ data: await models.list() }),
      );
      admin.put(
        '/models/:id',
        documented(write, {
          summary: 'Add a model or change one (fields left out are kept)',
          body: named('ModelInput', modelInput),
          params: id,
          responses: model,
        }),
        async (request) =>
          models.put(
            param(request, 'id'),
            parseJsonBody(request.body) as ModelInput,
            auditContextOf(request),
          ),
      );
      admin.delete(
        '/models/:id',
        documented(write, {
          summary: 'Remove a model (a shipped one stays hidden until reset)',
          params: id,
          responses: { 204: { description: 'Removed.' } },
        }),
        async (request, reply) => {
          await models.remove(param(request, 'id'), auditContextOf(request));
          return reply.code(204).send();
        },
      );
      admin.post(
        '/models/:id/reset',
        documented(write, {
          summary: "Undo admins' edits to a shipped model",
          body: null,
          params: id,
          responses: model,
        }),
        async (request) => models.reset(param(request, 'id'), auditContextOf(request)),
      );

      admin.get(
        '/model-aliases',
        documented(read, {
          summary: 'Model aliases',
          responses: { 200: { description: 'Every alias.', schema: views.aliases } },
        }),
        async () => ({ data: await models.listAliases() }),
      );
      admin.put(
        '/model-aliases/:alias',
        documented(write, {
          summary: 'Point an alias at a model',
          body: named('AliasInput', aliasInput),
          params: aliasParam,
          responses: { 200: { description: 'The alias.', schema: views.alias } },
        }),
        async (request) =>
          models.putAlias(
            param(request, 'alias'),
            parseJsonBody(request.body) as AliasInput,
            auditContextOf(request),
          ),
      );
      admin.delete(
        '/model-aliases/:alias',
        documented(write, {
          summary: 'Remove an alias',
          params: aliasParam,
          responses: { 204: { description: 'Removed.' } },
        }),
        async (request, reply) => {
          await models.removeAlias(param(request, 'alias'), auditContextOf(request));
          return reply.code(204).send();
        },
      );
    },
    { prefix: '/api/admin' },
  );
}

import type { FastifyInstance } from 'fastify';
import type { ListedModel, ModelCatalog } from '../../gateway/models.js';
import type { ApiKeyAuthenticator } from '../../identity/api-key-authenticator.js';
import type { Logger } from '../../observability/logger.js';
import { clientKeyFrom } from '../client-credentials.js';
import { buildErrorHandler } from '../error-handler.js';
import { clientDialectOf } from '../openai/client-dialect.js';
import { documented } from '../openapi/route-doc.js';
import { openAiErrorHandler } from '../openai/openai-error-reply.js';

/**
 * GET /v1/models in the shape the caller's client expects (see clientDialectOf), listing the
 * models the caller's key may use. Errors come in the same shape as the list would.
 */
export function registerModelRoutes(
  app: FastifyInstance,
  deps: { catalog: ModelCatalog; authenticator: ApiKeyAuthenticator; logger: Logger },
): void {
  const errorHandlers = {
    anthropic: buildErrorHandler(deps.logger),
    openai: openAiErrorHandler(deps.logger),
  };
  app.get(
    '/v1/models',
    documented(
      {
        errorHandler: (error, request, reply) =>
          errorHandlers[clientDialectOf(request.headers)](error, request, reply),
      },
      {
        summary: "The models the caller's key may use",
        description: "Anthropic's list shape, or OpenAI's for OpenAI clients (see docs/openai.md).",
        responses: { 200: { description: 'The model list.' } },
      },
    ),
    async (request) => {
      request.principal = await deps.authenticator.authenticate(clientKeyFrom(request.headers));
      const models = await deps.catalog.listFor(request.principal);
      return clientDialectOf(request.headers) === 'openai'
        ? openAiModelList(models)
        : anthropicModelList(models);
    },
  );
}

function anthropicModelList(models: ListedModel[]) {
  return {
    data: models.map((m) => ({
      type: 'model',
      id: m.id,
      display_name: m.displayName,
      created_at: m.createdAt,
      max_input_tokens: m.contextWindow ?? null,
      max_tokens: m.maxOutput ?? null,
      ...(m.simulated ? { simulated: true } : {}),
    })),
    has_more: false,
    first_id: models[0]?.id ?? null,
    last_id: models.at(-1)?.id ?? null,
  };
}

function openAiModelList(models: ListedModel[]) {
  return {
    object: 'list',
    data: models.map((m) => ({
      id: m.id,
      object: 'model',
      created: Math.floor(Date.parse(m.createdAt) / 1000) || 0,
      owned_by: m.simulated ? 'switchyard-simulated' : 'anthropic',
    })),
  };
}

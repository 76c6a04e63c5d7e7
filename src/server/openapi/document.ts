/**
 * The OpenAPI 3.1 document, built once at startup from the route inventory (every registered
 * route, its policy and its `doc`) and from the zod schemas the services validate bodies with.
 *
 * Why zod's own `z.toJSONSchema` and not @fastify/swagger: that plugin documents Fastify's
 * `schema` route option, which our routes do not use (bodies are raw bytes parsed by the
 * services, so the Messages route can forward them untouched, and the CLI shares the services'
 * validation). Converting the very schemas the services run keeps the document exact without a
 * second set of schemas or a new dependency.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { RoutePolicy, RegisteredRoute } from '../routes/route-policy.js';
import { isApiPath } from '../routes/route-policy.js';
import type { NamedSchema, RouteDoc } from './route-doc.js';
import { errorBody, openAiErrorBody } from './views.js';

type Json = Record<string, unknown>;

const COMPONENT = '#/components/schemas/';
const ref = (id: string) => ({ $ref: `${COMPONENT}${id}` });

const SECURITY_SCHEMES = {
  accessToken: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from POST /api/auth/login (15 minutes; renew with /api/auth/refresh).',
  },
  localAdminToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      'The local admin token in data/server.json (mode 0600): the command line on the same machine, acting as an admin without an account.',
  },
  apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'A Switchyard key, sk-sy-…' },
  apiKeyBearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'A Switchyard key, sk-sy-…, as a bearer token.',
  },
};

/** Collects named schemas, refusing two different schemas under one name. */
class SchemaSet {
  private readonly registry = z.registry<{ id: string }>();
  private readonly byId = new Map<string, z.ZodType>();

  add(named: NamedSchema): void {
    const known = this.byId.get(named.id);
    if (known === named.schema) return;
    if (known) throw new Error(`OpenAPI: two different schemas are named ${named.id}`);
    this.byId.set(named.id, named.schema);
    this.registry.add(named.schema, { id: named.id });
  }

  toJson(io: 'input' | 'output'): Record<string, Json> {
    if (this.byId.size === 0) return {};
    const { schemas } = z.toJSONSchema(this.registry, {
      target: 'draft-2020-12',
      io,
      // Refinements and transforms have no JSON Schema form; their input type is documented.
      unrepresentable: 'any',
      uri: (id) => `${COMPONENT}${id}`,
    });
    return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, bare(schema)]));
  }
}

/** Drops `$schema` and `$id`, which belong to standalone schemas, not to document components. */
function bare(schema: object): Json {
  const { $schema: _schema, $id: _id, ...rest } = schema as Json;
  return rest;
}

const openApiPath = (url: string) =>
  (url.length > 1 ? url.replace(/\/$/, '') : url).replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const pathParamsOf = (url: string) => [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
const isV1 = (url: string) => url.startsWith('/v1/');

function tagOf(url: string): string {
  if (isV1(url)) return 'Messages API';
  const [, , area, section] = url.split('/');
  if (area === 'admin') return `admin: ${section === 'model-aliases' ? 'models' : (section ?? '')}`;
  return area ?? 'api';
}

function securityOf(url: string, policy: RoutePolicy | undefined, doc: RouteDoc | undefined): Json {
  if (isV1(url)) return { security: [{ apiKey: [] }, { apiKeyBearer: [] }] };
  if (!policy || policy.access === 'public') return { security: [] };
  if (policy.access === 'signed_in')
    return { security: [{ accessToken: [] }], 'x-switchyard-access': 'signed_in' };
  return {
    security: doc?.userOnly ? [{ accessToken: [] }] : [{ accessToken: [] }, { localAdminToken: [] }],
    'x-switchyard-access': 'permission',
    'x-switchyard-permission': policy.permission,
  };
}

function queryParameters(query: z.ZodObject | undefined): Json[] {
  if (!query) return [];
  const schema = z.toJSONSchema(query, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    schema: property,
  }));
}

function operationOf(
  route: RegisteredRoute,
  doc: RouteDoc | undefined,
  requests: SchemaSet,
  answers: SchemaSet,
) {
  const error = isV1(route.url) && route.url.includes('chat/completions') ? openAiErrorBody : errorBody;
  answers.add(error);
  const responses: Json = {};
  for (const [status, answer] of Object.entries(doc?.responses ?? { 200: { description: 'OK' } })) {
    if (answer.schema) answers.add(answer.schema);
    responses[status] = {
      description: answer.description,
      ...(answer.schema
        ? { content: { [answer.contentType ?? 'application/json']: { schema: ref(answer.schema.id) } } }
        : {}),
    };
  }
  responses['default'] = {
    description: 'An error (4xx: the request; 5xx: the server or its upstreams).',
    content: { 'application/json': { schema: ref(error.id) } },
  };
  if (doc?.body) requests.add(doc.body);
  const parameters = [
    ...pathParamsOf(route.url).map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
      ...(doc?.params?.[name] ? { description: doc.params[name] } : {}),
    })),
    ...queryParameters(doc?.query),
  ];
  const operationId = `${route.method.toLowerCase()}${openApiPath(route.url).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ?? '').toUpperCase())}`;
  return {
    operationId,
    summary: doc?.summary ?? `${route.method} ${route.url}`,
    ...(doc?.description ? { description: doc.description } : {}),
    tags: [tagOf(route.url)],
    ...(parameters.length ? { parameters } : {}),
    ...(doc?.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: ref(doc.body.id) } } } }
      : {}),
    responses,
    ...securityOf(route.url, route.policy, doc),
  };
}

function packageVersion(): string {
  try {
    const url = new URL('../../../package.json', import.meta.url);
    const { version } = JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Every /api and /v1 route, and any other route that carries a `doc`. */
export function buildOpenApiDocument(routes: readonly RegisteredRoute[]): Json {
  const requests = new SchemaSet();
  const answers = new SchemaSet();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    if (route.method === 'HEAD' || route.method === 'OPTIONS') continue;
    if (!isApiPath(route.url) && !isV1(route.url) && !route.doc) continue;
    const item = (paths[openApiPath(route.url)] ??= {});
    const method = route.method.toLowerCase();
    item[method] ??= operationOf(route, route.doc, requests, answers);
  }
  const requestSchemas = requests.toJson('input');
  const answerSchemas = answers.toJson('output');
  for (const id of Object.keys(answerSchemas)) {
    if (id in requestSchemas) throw new Error(`OpenAPI: ${id} names both a request and an answer schema`);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchyard',
      version: packageVersion(),
      description:
        'The admin API (/api) and the Anthropic-compatible API (/v1). Generated at startup from the routes and the schemas that validate their input; see docs/api.md.',
    },
    paths,
    components: { schemas: { ...requestSchemas, ...answerSchemas }, securitySchemes: SECURITY_SCHEMES },
  };
}

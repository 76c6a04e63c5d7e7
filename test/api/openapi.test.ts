/**
 * GET /api/openapi.json: public, a valid OpenAPI 3.1 document, and complete: every registered
 * /api and /v1 route is in it with its policy, and every answer it documents matches real answers.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isApiPath, registeredRoutes, type RegisteredRoute } from '../../src/server/routes/route-policy.js';
import { api, bearer, type Session, startAuthGateway } from '../auth/support.js';
import type { TestGateway } from '../support/gateway.js';

interface Operation {
  operationId: string;
  summary: string;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  security: Array<Record<string, string[]>>;
  'x-switchyard-permission'?: string;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const documentedPath = (url: string) =>
  (url.length > 1 ? url.replace(/\/$/, '') : url).replace(/:(\w+)/g, '{$1}');

let gateway: TestGateway;
let doc: Document;
let admin: Session;
let routes: RegisteredRoute[];

beforeAll(async () => {
  gateway = await startAuthGateway();
  const response = await gateway.runtime.app.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  doc = JSON.parse(response.body) as Document;
  admin = await api(gateway).userWithRole('admin');
  routes = registeredRoutes(gateway.runtime.app).filter(
    (r) => (isApiPath(r.url) || r.url.startsWith('/v1/')) && r.method !== 'HEAD' && r.method !== 'OPTIONS',
  );
});
afterAll(() => gateway?.close());

interface JsonSchema {
  $ref?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

/** Fields of a real answer the document does not name (a leaked hash, a renamed field). */
function undocumentedFields(schema: JsonSchema, value: unknown, at = '$'): string[] {
  const resolved = schema.$ref
    ? (doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')] as JsonSchema)
    : schema;
  if (Array.isArray(value) && resolved.items)
    return value.flatMap((v, i) => undocumentedFields(resolved.items as JsonSchema, v, `${at}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const branch = resolved.anyOf?.find((s) => s.properties) ?? resolved;
  if (!branch.properties) return [];
  const properties = branch.properties;
  return Object.entries(value).flatMap(([k, v]) =>
    properties[k] ? undocumentedFields(properties[k], v, `${at}.${k}`) : [`${at}.${k}`],
  );
}

describe('the OpenAPI document', () => {
  it('is served without credentials and is valid OpenAPI 3.1', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Record<string, unknown>);
    expect(result.errors, JSON.stringify(result.errors, null, 1)?.slice(0, 2000)).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('lists every registered /api and /v1 route, each documented where it is declared', () => {
    expect(routes.length).toBeGreaterThan(30);
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      const operation = doc.paths[documentedPath(route.url)]?.[route.method.toLowerCase()];
      expect(operation, `${name} is missing from the document`).toBeDefined();
      expect(route.doc?.summary, `${name} has no doc (wrap its options in documented(...))`).toBeTruthy();
      if (BODY_METHODS.has(route.method)) {
        expect(route.doc?.body, `${name} must say which body it takes (or body: null)`).not.toBeUndefined();
        expect(operation?.requestBody !== undefined).toBe(route.doc?.body !== null);
      }
    }
  });

  it('states each route policy: security schemes and the permission', () => {
    for (const route of routes) {
      const operation = doc.paths[documentedPath(route.url)]?.[route.method.toLowerCase()] as Operation;
      const schemes = operation.security.flatMap((s) => Object.keys(s)).sort();
      const name = `${route.method} ${route.url}`;
      if (route.url.startsWith('/v1/')) expect(schemes, name).toEqual(['apiKey', 'apiKeyBearer']);
      else if (route.policy?.access === 'public') expect(schemes, name).toEqual([]);
      else if (route.policy?.access === 'signed_in') expect(schemes, name).toEqual(['accessToken']);
      else if (route.doc?.userOnly) expect(schemes, name).toEqual(['accessToken']);
      else {
        expect(schemes, name).toEqual(['accessToken', 'localAdminToken']);
        expect(operation['x-switchyard-permission'], name).toBe(
          route.policy?.access === 'permission' ? route.policy.permission : 'none',
        );
      }
    }
    expect(doc.paths['/api/admin/audit']?.get?.['x-switchyard-permission']).toBe('audit:read');
    expect(doc.paths['/api/openapi.json']?.get?.security).toEqual([]);
    // Own keys belong to an account; the local admin token has none.
    expect(doc.paths['/api/keys']?.post?.security).toEqual([{ accessToken: [] }]);
  });

  it('resolves every $ref, and declares exactly the parameters in each path', () => {
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node !== null && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.push(value);
          else walk(value);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      expect(ref.startsWith('#/'), ref).toBe(true);
      let target: unknown = doc;
      for (const part of ref.slice(2).split('/')) {
        target = (target as Record<string, unknown> | undefined)?.[
          part.replace(/~1/g, '/').replace(/~0/g, '~')
        ];
      }
      expect(target, `${ref} does not resolve`).toBeDefined();
    }
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const operation of Object.values(item)) {
        expect(ids.has(operation.operationId), operation.operationId).toBe(false);
        ids.add(operation.operationId);
        const declared = (operation.parameters ?? []).filter((p) => p.in === 'path');
        expect(declared.map((p) => p.name).sort(), path).toEqual(inPath);
        expect(declared.every((p) => p.required === true)).toBe(true);
      }
    }
  });

  it('documents bodies with the schemas that validate them, and query filters as parameters', () => {
    const { schemas } = doc.components;
    const account = schemas['NewAccount'] as { required: string[]; additionalProperties: boolean };
    expect(account.required.sort()).toEqual(['kind', 'name']);
    // The service refuses unknown fields, and the document says so.
    expect(account.additionalProperties).toBe(false);
    expect(doc.paths['/api/admin/accounts']?.post?.requestBody?.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/NewAccount',
    });
    const filters = doc.paths['/api/admin/audit']?.get?.parameters?.filter((p) => p.in === 'query');
    expect(filters?.map((p) => p.name).sort()).toEqual(
      ['action', 'actor', 'cursor', 'format', 'from', 'limit', 'target', 'to'].sort(),
    );
    for (const id of [
      'MessagesRequest',
      'CountTokensRequest',
      'ChatCompletionRequest',
      'Error',
      'OpenAiError',
    ]) {
      expect(schemas[id], id).toBeDefined();
    }
  });

  it('describes real answers: every GET without path parameters matches its documented schema', async () => {
    let checked = 0;
    for (const route of routes) {
      const schema = route.doc?.responses?.[200]?.schema?.schema;
      if (route.method !== 'GET' || route.url.includes(':') || !schema) continue;
      const asUser = route.policy?.access === 'signed_in' || route.doc?.userOnly === true;
      const response = await gateway.runtime.app.inject({
        method: 'GET',
        url: route.url,
        headers: asUser ? bearer(admin) : { authorization: `Bearer ${gateway.runtime.adminToken}` },
      });
      expect(response.statusCode, `${route.url}: ${response.body}`).toBe(200);
      const body: unknown = JSON.parse(response.body);
      const parsed = schema.safeParse(body);
      expect(parsed.error, route.url).toBeUndefined();
      const documented = doc.paths[documentedPath(route.url)]?.get as unknown as {
        responses: Record<string, { content: Record<string, { schema: JsonSchema }> }>;
      };
      const answerSchema = documented.responses['200']?.content['application/json']?.schema as JsonSchema;
      expect(undocumentedFields(answerSchema, body), route.url).toEqual([]);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });
});

/**
 * What a route tells the OpenAPI document about itself, declared next to its policy where the
 * route is registered. The generator (openapi/document.ts) reads it from the route inventory, so
 * a route and its documentation cannot drift into separate lists.
 */
import type { RouteShorthandOptions } from 'fastify';
import type { z } from 'zod';

/** A zod schema and the name of its component in the document. */
export interface NamedSchema {
  id: string;
  schema: z.ZodType;
}

export const named = (id: string, schema: z.ZodType): NamedSchema => ({ id, schema });

export interface ResponseDoc {
  description: string;
  schema?: NamedSchema;
  /** Default application/json. */
  contentType?: string;
}

export interface RouteDoc {
  summary: string;
  description?: string;
  /**
   * The schema the handler's service validates the JSON body with (the same object, not a copy);
   * null: the route reads no body. POST, PUT and PATCH routes must say which (a test checks).
   */
  body?: NamedSchema | null;
  /** Query parameters, as the zod object the service parses `request.query` with. */
  query?: z.ZodObject;
  /** Descriptions of path parameters; every `:name` in the URL is documented either way. */
  params?: Record<string, string>;
  /** The route acts on the caller's own account, so the local admin token (no account) gets 403. */
  userOnly?: true;
  /** Successful answers by status; errors share the documented error shape. */
  responses?: Record<number, ResponseDoc>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    doc?: RouteDoc;
  }
}

/**
 * Route options with documentation attached:
 * `app.post(url, documented(requires('keys:all'), { summary, body }), handler)`.
 */
export function documented<T extends RouteShorthandOptions>(options: T, doc: RouteDoc): T {
  return { ...options, config: { ...options.config, doc } };
}

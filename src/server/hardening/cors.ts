/**
 * CORS from an allowlist (CORS_ORIGINS, exact origins; default none). Without an allowlist no
 * CORS header is ever sent and preflights answer 404, so browsers keep other sites out.
 */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';

const EXPOSED = 'request-id, retry-after, x-should-retry';

export function installCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  void app.register(cors, {
    origin: [...origins],
    // The refresh cookie is SameSite=Strict, so only same-site allowlisted origins ever send it.
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'],
    exposedHeaders: EXPOSED,
    maxAge: 600,
    strictPreflight: true,
  });
}

/**
 * The same answer for the raw Messages front, which Fastify's hooks never see (its preflight
 * does go through Fastify). One property read per request when no Origin is sent.
 */
export function messagesCors(
  origins: readonly string[],
): ((req: IncomingMessage, res: ServerResponse) => void) | undefined {
  if (origins.length === 0) return undefined;
  const allowed = new Set(origins);
  return (req, res) => {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    res.setHeader('vary', 'Origin');
    if (!allowed.has(origin)) return;
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('access-control-expose-headers', EXPOSED);
  };
}

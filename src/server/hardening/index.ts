import type { FastifyInstance } from 'fastify';
import { installCors } from './cors.js';
import { installCsrfCheck } from './csrf.js';
import { installSecurityHeaders } from './security-headers.js';

export interface HardeningOptions {
  corsOrigins: readonly string[];
  tls: boolean;
}

/** Headers, CORS and the CSRF check; the server-level parts (timeouts, TLS) are in http-server.ts. */
export function installHardening(app: FastifyInstance, options: HardeningOptions): void {
  installSecurityHeaders(app, { tls: options.tls });
  installCors(app, options.corsOrigins);
  installCsrfCheck(app, new Set(options.corsOrigins));
}

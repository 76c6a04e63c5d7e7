/**
 * Security headers on every response Fastify sends: a strict CSP for the web app to come (a
 * React build served from /: scripts, styles and fonts from this origin only, no inline script,
 * no framing), nosniff and friends for the JSON API, HSTS only when this server itself speaks TLS
 * (over plain HTTP the header is ignored, and behind a proxy the proxy owns it).
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

const SELF = ["'self'"];
const NONE = ["'none'"];

export function installSecurityHeaders(app: FastifyInstance, options: { tls: boolean }): void {
  void app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: SELF,
        scriptSrc: SELF,
        scriptSrcAttr: NONE,
        styleSrc: SELF,
        imgSrc: [...SELF, 'data:'],
        fontSrc: SELF,
        // 'self' covers same-origin fetch and, in current browsers, the same host's WebSocket.
        connectSrc: SELF,
        objectSrc: NONE,
        baseUri: NONE,
        formAction: SELF,
        frameAncestors: NONE,
        // Only with TLS: over plain HTTP it would break every subresource of the page.
        ...(options.tls ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    hsts: options.tls ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
  });
}

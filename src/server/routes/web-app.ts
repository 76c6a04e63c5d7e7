/**
 * Serves the web app (web/, built by Vite into dist/web): hashed files under /assets/ cached for
 * a year, and index.html, never cached, for / and every client route (SPA fallback). The page gets
 * a fresh CSP nonce per response: MUI's styling engine (emotion) writes <style> elements at run
 * time, and only elements carrying that nonce may apply (docs/security.md).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The placeholder web/build.mjs has Vite put wherever the nonce goes (html.cspNonce). */
export const NONCE_PLACEHOLDER = 'SWITCHYARD_CSP_NONCE';
/** Same place relative to src/server/routes/ (tests, tsx) and dist/server/routes/ (npm start). */
export const WEB_APP_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** The CSP helmet set, with the page's nonce added to style-src (and only there). */
export function withStyleNonce(csp: string, nonce: string): string {
  const directives = csp
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  const index = directives.findIndex((d) => d === 'style-src' || d.startsWith('style-src '));
  const source = `'nonce-${nonce}'`;
  if (index === -1) directives.push(`style-src 'self' ${source}`);
  else directives[index] = `${directives[index]} ${source}`;
  return directives.join('; ');
}

const acceptsHtml = (request: FastifyRequest) => (request.headers.accept ?? '').includes('text/html');
const isApiOrModelPath = (url: string) => /^\/(api|v1)(\/|$|\?)/.test(url);

export interface AppPage {
  /** Sends the page when a browser asks for HTML and the app is built; otherwise undefined. */
  serve(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined;
}

export function createAppPage(dir = WEB_APP_DIR): AppPage {
  let template: string | undefined;
  const load = () => {
    if (template === undefined && existsSync(`${dir}index.html`)) {
      template = readFileSync(`${dir}index.html`, 'utf8');
    }
    return template;
  };
  return {
    serve(request, reply) {
      const html = acceptsHtml(request) ? load() : undefined;
      if (html === undefined) return undefined;
      const nonce = randomBytes(18).toString('base64');
      const csp = reply.getHeader('content-security-policy');
      if (typeof csp === 'string') void reply.header('content-security-policy', withStyleNonce(csp, nonce));
      return reply
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8')
        .send(html.replaceAll(NONCE_PLACEHOLDER, nonce));
    },
  };
}

/**
 * /assets/* and the client routes. `/` itself belongs to the health routes, which hand browsers
 * to the same page (so Claude Code's HEAD / and probes keep their JSON answer).
 */
export function registerWebAppRoutes(app: FastifyInstance, page: AppPage, dir = WEB_APP_DIR): void {
  if (existsSync(`${dir}assets`)) {
    void app.register(fastifyStatic, {
      root: `${dir}assets`,
      prefix: '/assets/',
      index: false,
      // Names carry a content hash: a changed file is a new URL.
      immutable: true,
      maxAge: YEAR_MS,
    });
  }
  app.get('/*', async (request, reply) => {
    if (isApiOrModelPath(request.url)) return reply.callNotFound();
    return page.serve(request, reply) ?? reply.callNotFound();
  });
}

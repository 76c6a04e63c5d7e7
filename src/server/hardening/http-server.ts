/**
 * The one place the listening server is made, for Fastify and the raw Messages front alike, so
 * both get the same timeouts and, with TLS, the same certificate. Timeouts live on the server
 * (Node checks them for every connection), so the hot path pays nothing per request for them.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import { ConfigError } from '../../config/index.js';
import type { HttpConfig } from '../../config/hardening.js';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

export interface ServerOptions {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  tls: TlsMaterial | undefined;
}

/**
 * `requestTimeout` counts only until the request (body included) has arrived, so an answer may
 * stream for as long as it likes; `headersTimeout` cuts clients that dribble their headers.
 * Node enforces both from a periodic sweep, which we run often enough to keep them honest.
 */
export function createFrontServer(handler: RequestListener, options: ServerOptions): Server {
  const connectionsCheckingInterval = Math.max(
    100,
    Math.min(30_000, Math.floor(Math.min(options.headersTimeoutMs, options.requestTimeoutMs) / 4)),
  );
  const common = {
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    connectionsCheckingInterval,
  };
  const server = options.tls
    ? createHttpsServer({ ...common, cert: options.tls.cert, key: options.tls.key }, handler)
    : createHttpServer(common, handler);
  // Node 20 takes this one only as a property.
  server.keepAliveTimeout = options.keepAliveTimeoutMs;
  return server;
}

/** Reads and checks the PEM files at start, so a bad file stops the process with one line. */
export function loadTls(tls: HttpConfig['tls']): TlsMaterial | undefined {
  if (!tls) return undefined;
  const read = (variable: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError(
        variable,
        `cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'} (${file})`,
      );
    }
  };
  const material = { cert: read('TLS_CERT_FILE', tls.certFile), key: read('TLS_KEY_FILE', tls.keyFile) };
  try {
    createSecureContext(material);
  } catch (error) {
    throw new ConfigError(
      'TLS_CERT_FILE',
      `and TLS_KEY_FILE are not a usable PEM certificate and matching key: ${(error as Error).message}`,
    );
  }
  return material;
}

/** The server options a config asks for; reads the TLS files. */
export function serverOptionsOf(http: HttpConfig): ServerOptions {
  return {
    headersTimeoutMs: http.headersTimeoutMs,
    requestTimeoutMs: http.requestTimeoutMs,
    keepAliveTimeoutMs: http.keepAliveTimeoutMs,
    tls: loadTls(http.tls),
  };
}

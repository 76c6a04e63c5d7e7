import { isIP } from 'node:net';
import type { RawConfig } from './schema.js';

/** How the HTTP(S) server treats clients: see docs/security.md, "HTTP hardening". */
export interface HttpConfig {
  /** Origins allowed cross-origin (CORS_ORIGINS); empty: no CORS at all. */
  corsOrigins: readonly string[];
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Paths of the PEM files; undefined: plain HTTP. */
  tls: { certFile: string; keyFile: string } | undefined;
}

/** Where admin-set outbound URLs may point: see identity/outbound-url.ts. */
export interface OutboundConfig {
  allowPrivate: boolean;
  allowedHosts: readonly string[];
}

type ErrorOf = (variable: string, detail: string) => Error;

export function httpConfigOf(raw: RawConfig, error: ErrorOf): HttpConfig {
  if ((raw.TLS_CERT_FILE === undefined) !== (raw.TLS_KEY_FILE === undefined)) {
    const missing = raw.TLS_CERT_FILE === undefined ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE';
    throw error(missing, 'must be set too: set both TLS_CERT_FILE and TLS_KEY_FILE for HTTPS, or neither');
  }
  // Node refuses a headers timeout longer than the request timeout; say so by name instead.
  if (raw.HTTP_HEADERS_TIMEOUT_MS > raw.HTTP_REQUEST_TIMEOUT_MS) {
    throw error(
      'HTTP_HEADERS_TIMEOUT_MS',
      `must not exceed HTTP_REQUEST_TIMEOUT_MS (${raw.HTTP_REQUEST_TIMEOUT_MS}) (got ${raw.HTTP_HEADERS_TIMEOUT_MS})`,
    );
  }
  return {
    corsOrigins: raw.CORS_ORIGINS,
    headersTimeoutMs: raw.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: raw.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: raw.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    tls:
      raw.TLS_CERT_FILE !== undefined && raw.TLS_KEY_FILE !== undefined
        ? { certFile: raw.TLS_CERT_FILE, keyFile: raw.TLS_KEY_FILE }
        : undefined,
  };
}

export function outboundConfigOf(raw: RawConfig, error: ErrorOf): OutboundConfig {
  for (const entry of raw.OUTBOUND_ALLOWED_HOSTS) {
    if (!entry.includes('/')) continue;
    const [address = '', bits = ''] = entry.split('/');
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    if (family === 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > max) {
      throw error(
        'OUTBOUND_ALLOWED_HOSTS',
        `has an invalid range ${JSON.stringify(entry)} (want e.g. 10.0.0.0/8)`,
      );
    }
  }
  return { allowPrivate: raw.OUTBOUND_ALLOW_PRIVATE, allowedHosts: raw.OUTBOUND_ALLOWED_HOSTS };
}

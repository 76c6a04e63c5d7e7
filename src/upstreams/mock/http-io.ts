import type { IncomingMessage, ServerResponse } from 'node:http';
import { anthropicErrorBody, errorTypeForStatus } from '../../errors.js';
import type { UpstreamResponse } from '../types.js';
import { JSON_TYPE, SSE_TYPE } from './wire-format.js';

/** Small node:http helpers for the standalone mock server. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** The whole request body; `too_large` past the limit (the rest is drained); rejects if the client goes away. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit) resolve('too_large');
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('The client closed the connection while sending the body.'));
    });
  });
}

/** The key from `x-api-key`, else from `Authorization: Bearer`. */
export function apiKeyOf(req: IncomingMessage): string | undefined {
  const key = req.headers['x-api-key'];
  if (typeof key === 'string') return key;
  const authorization = req.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim();
  return undefined;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  json: string,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(json);
  res.writeHead(status, { ...headers, 'content-type': JSON_TYPE, 'content-length': body.length });
  res.end(body);
}

export function sendError(res: ServerResponse, status: number, message: string, requestId?: string): void {
  const body = JSON.stringify(anthropicErrorBody(errorTypeForStatus(status), message, requestId));
  sendJson(res, status, body, requestId === undefined ? {} : { 'request-id': requestId });
}

/** JSON answers go out whole with a content-length; SSE chunk by chunk, honouring backpressure. */
export async function writeResponse(res: ServerResponse, response: UpstreamResponse): Promise<void> {
  if (response.headers['content-type'] !== SSE_TYPE) {
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) chunks.push(chunk);
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    res.writeHead(response.status, { ...response.headers, 'content-length': body.length });
    res.end(body);
    return;
  }
  res.writeHead(response.status, response.headers);
  for await (const chunk of response.body) {
    if (!res.write(chunk)) await drainedOrClosed(res);
  }
  res.end();
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpstreamTransportError } from '../errors.js';
import type { UpstreamOperation } from '../types.js';
import { DEFAULT_BEHAVIOR, type Behavior } from './behavior.js';
import { MockControl } from './control.js';
import { apiKeyOf, readBody, sendError, sendJson, writeResponse } from './http-io.js';
import { MOCK_MODELS, modelListJson, wireModel } from './models.js';
import { simulate } from './simulator.js';

/**
 * The mock upstream over HTTP (`switchyard mock-upstream`): the Anthropic Messages API surface on
 * bare node:http, plus `/_mock/*` test controls (script queue, stats, the last request's body, reset).
 */
export interface MockUpstreamOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  behavior?: Partial<Behavior>;
}

export interface MockUpstreamServer {
  url: string;
  port: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstreamServer> {
  const behavior: Behavior = { ...DEFAULT_BEHAVIOR, ...options.behavior };
  const control = new MockControl();
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    route(req, res, behavior, control).catch(() => {
      if (!res.headersSent) sendError(res, 500, 'The mock upstream failed unexpectedly.');
      else res.destroy();
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function route(req: IncomingMessage, res: ServerResponse, behavior: Behavior, control: MockControl) {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const method = req.method ?? 'GET';
  if (method === 'POST' && path === '/v1/messages')
    return serveSimulation(req, res, 'messages', behavior, control);
  if (method === 'POST' && path === '/v1/messages/count_tokens') {
    return serveSimulation(req, res, 'count_tokens', behavior, control);
  }
  if (path.startsWith('/_mock/')) return serveControl(req, res, method, path, control);
  if ((method === 'GET' || method === 'HEAD') && path === '/') {
    return sendJson(res, 200, '{"ok":true,"service":"switchyard mock upstream"}');
  }
  if (method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) {
    if (behavior.expectedApiKey !== undefined && apiKeyOf(req) !== behavior.expectedApiKey) {
      return sendError(res, 401, 'invalid x-api-key');
    }
    if (path === '/v1/models') return sendJson(res, 200, modelListJson());
    const id = path.slice('/v1/models/'.length);
    const model = MOCK_MODELS.find((m) => m.id === id);
    return model
      ? sendJson(res, 200, JSON.stringify(wireModel(model)))
      : sendError(res, 404, 'model not found');
  }
  sendError(res, 404, `Not found: ${method} ${path}`);
}

async function serveSimulation(
  req: IncomingMessage,
  res: ServerResponse,
  operation: UpstreamOperation,
  defaults: Behavior,
  control: MockControl,
): Promise<void> {
  const counted = operation === 'messages';
  const { stats } = control;
  const controller = new AbortController();
  let droppedByServer = false;
  if (counted) {
    stats.requests++;
    stats.inFlight++;
    stats.lastHeaders = req.headers;
  }
  res.once('close', () => {
    if (counted) stats.inFlight--;
    if (res.writableFinished) {
      if (counted) stats.completed++;
      return;
    }
    if (counted && !droppedByServer) stats.aborted++;
    controller.abort();
  });
  const body = await readBody(req).catch(() => undefined);
  if (body === undefined) return;
  if (body === 'too_large') return sendError(res, 413, 'The request body is larger than 32 MB.');
  if (counted) control.lastBody = body;
  const scripted = counted ? control.next() : undefined;
  try {
    const response = await simulate({
      operation,
      body,
      behavior: scripted ? { ...defaults, ...scripted } : defaults,
      apiKey: apiKeyOf(req),
      signal: controller.signal,
    });
    await writeResponse(res, response);
  } catch (error) {
    if (!(error instanceof UpstreamTransportError)) throw error;
    if (error.failure === 'reset') {
      droppedByServer = true;
      res.socket?.destroySoon();
    }
  }
}

async function serveControl(
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  path: string,
  control: MockControl,
) {
  if (path === '/_mock/stats' && method === 'GET') return sendJson(res, 200, JSON.stringify(control.stats));
  if (path === '/_mock/last-request' && method === 'GET') {
    if (!control.lastBody) return sendError(res, 404, 'No /v1/messages request yet.');
    return sendJson(res, 200, control.lastBody.toString('utf8'));
  }
  if (path === '/_mock/reset' && method === 'POST') {
    control.reset();
    return sendJson(res, 200, '{"ok":true}');
  }
  if (path === '/_mock/script' && method === 'DELETE') {
    control.clearScript();
    return sendJson(res, 200, '{"queued":0}');
  }
  if (path === '/_mock/script' && method === 'POST') {
    const body = await readBody(req).catch(() => undefined);
    if (body === undefined) return;
    if (body === 'too_large') return sendError(res, 413, 'The script is larger than 32 MB.');
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return sendError(res, 400, 'The script is not valid JSON.');
    }
    const result = control.enqueue(json);
    return result.ok
      ? sendJson(res, 200, JSON.stringify({ queued: result.queued }))
      : sendError(res, 400, `Invalid mock script: ${result.message}`);
  }
  sendError(res, 404, `Not found: ${method} ${path}`);
}

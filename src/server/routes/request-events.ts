import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { JobControl } from '../../cluster/job-control.js';
import { decodeError, decodeHead, isEventStream, withEventId } from '../../cluster/result-wire.js';
import {
  anthropicErrorBody,
  InvalidRequestError,
  NotFoundError,
  type AnthropicErrorType,
} from '../../errors.js';
import { sseHeaders } from '../../gateway/relay.js';
import type { ApiKeyAuthenticator } from '../../identity/api-key-authenticator.js';
import { encodeSseEvent } from '../../protocols/anthropic/sse.js';
import { ResultStreamTruncatedError, type ResultStream } from '../../queue/result-stream.js';
import { clientKeyFrom, singleHeader } from '../client-credentials.js';
import { documented } from '../openapi/route-doc.js';

/** Where streams to resume are kept (Redis or this process); absent with RESUMABLE_STREAMS=queued embedded. */
export interface RequestEventsSource {
  control: JobControl;
  results: ResultStream;
  /** Give up on a stream that grows no more for this long (its worker was lost). */
  idleMs: number;
}

/**
 * GET /v1/requests/{id}/events: the rest of a streaming answer after a dropped connection. Every
 * SSE event of a resumable answer (relayed from a worker, or teed from an upstream this process
 * calls: cluster/resumable-upstream.ts) carries `id: <n>` (its result-stream seq); send the last
 * one received as `Last-Event-ID` and get every later event exactly once, ending as the original
 * would. Only the API key that made the request may read it (another key hears 404, as for an
 * unknown id); answers stay RESULT_STREAM_TTL_SECONDS after their last event. Embedded mode with
 * RESUMABLE_STREAMS=queued keeps no result streams: 404 with a message saying so.
 */
export function registerRequestEventsRoutes(
  app: FastifyInstance,
  deps: { authenticator: ApiKeyAuthenticator; source: RequestEventsSource | undefined },
): void {
  const doc = documented(
    {},
    {
      summary: 'Resume a streaming answer after Last-Event-ID',
      params: { id: 'The request id (the request-id header of the original answer).' },
      responses: { 200: { description: 'The rest of the SSE stream.', contentType: 'text/event-stream' } },
    },
  );
  app.get<{ Params: { id: string } }>('/v1/requests/:id/events', doc, async (request, reply) => {
    const principal = await deps.authenticator.authenticate(clientKeyFrom(request.headers));
    request.principal = principal;
    const source = deps.source;
    if (!source) {
      throw new NotFoundError(
        'request: this server keeps no resumable streams (RESUMABLE_STREAMS=queued keeps only answers from workers, in distributed mode).',
      );
    }
    const requestId = request.params.id;
    const after = lastEventIdOf(singleHeader(request.headers, 'last-event-id'));
    const found = await source.control.findRequest(requestId);
    const gone = () =>
      new NotFoundError(
        `request: no resumable stream '${requestId}' for this key (answers are kept for a while after their last event).`,
      );
    if (!found || found.apiKeyId !== principal.apiKeyId) throw gone();
    // No stream: it expired, or no worker has started the answer yet (then retry shortly).
    const { entries } = await source.results.read(found.streamId, 0, { count: 1 });
    const first = entries[0];
    if (!first) throw gone();
    if (first.kind === 'head') {
      const head = decodeHead(first.data);
      if (!head || head.status !== 200 || !isEventStream(head.headers)) throw gone();
    }

    void reply.hijack();
    const res = reply.raw;
    res.writeHead(200, sseHeaders(requestId));
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    let idle: NodeJS.Timeout | undefined;
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(new Error('idle')), source.idleMs);
    };
    const fail = (type: AnthropicErrorType, message: string) =>
      res.end(encodeSseEvent('error', anthropicErrorBody(type, message, requestId)));
    try {
      armIdle();
      for await (const entry of source.results.follow(
        found.streamId,
        Math.max(after, 1),
        controller.signal,
      )) {
        armIdle();
        if (entry.kind === 'data') {
          if (!res.write(withEventId(entry.seq, entry.data)))
            await once(res, 'drain', { signal: controller.signal });
        } else if (entry.kind === 'error') {
          const { failure, message } = decodeError(entry.data);
          return fail(
            failure === 'idle_timeout' ? 'timeout_error' : 'api_error',
            `${message} The answer is incomplete.`,
          );
        }
      }
      res.end();
    } catch (error) {
      if (res.destroyed || res.writableEnded) return;
      if (error instanceof ResultStreamTruncatedError) {
        return fail('api_error', 'Part of the answer after Last-Event-ID is no longer kept.');
      }
      fail('api_error', 'The answer stopped arriving. The answer is incomplete.');
    } finally {
      clearTimeout(idle);
    }
  });
}

function lastEventIdOf(header: string | undefined): number {
  if (header === undefined || header.trim() === '') return 0;
  const value = Number(header.trim());
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidRequestError(
      'Last-Event-ID: must be an event id this route sent (a non-negative integer).',
    );
  }
  return value;
}

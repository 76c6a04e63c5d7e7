/**
 * Resumable answers for the upstreams a process calls itself, in both modes (RESUMABLE_STREAMS=all,
 * the default): a distributed gateway tees them into the Redis result streams and request index
 * its queued answers use; embedded mode keeps the same in this process's memory. Either way
 * GET /v1/requests/{id}/events serves them with one code path.
 */
import type { Config } from '../config/index.js';
import type { Logger } from '../observability/logger.js';
import { InProcessResultStream } from '../queue/in-process-result-stream.js';
import type { RequestEventsSource } from '../server/routes/request-events.js';
import type { AccountKind, Upstream } from '../upstreams/types.js';
import { CallDirectory } from './call-directory.js';
import type { GatewayCluster } from './gateway-cluster.js';
import { InProcessJobControl } from './job-control.js';
import { ResumableUpstream } from './resumable-upstream.js';

/**
 * claude_cli answers served in this process are left as they were: a dropped client stops its
 * `claude` turn (and frees the process) rather than holding it for a resume nobody may ask for.
 */
const TEED_KINDS: ReadonlySet<AccountKind> = new Set(['anthropic_api', 'mock']);
/**
 * Embedded mode keeps the copies in the server's own heap: past this many bytes the oldest are
 * dropped before their TTL (Redis, in distributed mode, is sized by its operator instead).
 */
const EMBEDDED_MAX_BYTES = 16 * 1024 * 1024;

export interface ResumableStreams {
  /** The calls in flight: the resumable upstream reads their owner and deadline. */
  calls: CallDirectory;
  /** What GET /v1/requests/{id}/events reads. */
  source: RequestEventsSource;
  /** The account pool's hook for upstreams this process calls itself. */
  wrapDirect(record: { kind: AccountKind }, upstream: Upstream): Upstream;
}

export function resumableStreamsOf(
  config: Config,
  logger: Logger,
  cluster: GatewayCluster | undefined,
): ResumableStreams | undefined {
  if (config.resumableStreams !== 'all') return undefined;
  const source: RequestEventsSource = cluster?.requestEvents ?? {
    control: new InProcessJobControl(),
    results: new InProcessResultStream({ ...config.cluster.resultStream, maxBytes: EMBEDDED_MAX_BYTES }),
    idleMs: config.upstream.idleTimeoutMs + 5_000,
  };
  const calls = cluster?.calls ?? new CallDirectory();
  const deps = {
    results: source.results,
    control: source.control,
    calls,
    resultTtlMs: config.cluster.resultStream.ttlMs,
    logger,
  };
  return {
    calls,
    source,
    wrapDirect: (record, upstream) =>
      TEED_KINDS.has(record.kind) ? new ResumableUpstream(upstream, deps) : upstream,
  };
}

// One autocannon run (programmatic API, in this process), with exact latency percentiles.
import autocannon from 'autocannon';
import { summarize } from './stats.mjs';

/**
 * Drives `url` with `connections` keep-alive connections for `durationS` seconds.
 * Latency is recorded per response from autocannon's float-millisecond `response` event, because
 * autocannon's own histogram rounds to whole milliseconds (too coarse for sub-ms overheads).
 */
export async function runLoad({ url, headers, body, connections, durationS }) {
  const latencies = [];
  const statusCounts = {};
  let ok = 0;
  const instance = autocannon({
    url,
    method: 'POST',
    headers,
    body,
    connections,
    duration: durationS,
    pipelining: 1,
    timeout: 10,
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) {
      ok++;
      latencies.push(responseTime);
    }
  });
  const result = await instance;
  const latency = summarize(latencies);
  return {
    connections,
    durationS: result.duration,
    rps: ok / result.duration,
    ok,
    p50: latency.p50,
    p90: latency.p90,
    p99: latency.p99,
    max: latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
  };
}

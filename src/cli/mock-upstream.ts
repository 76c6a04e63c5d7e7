import { startMockUpstream } from '../upstreams/mock/server.js';

export interface MockUpstreamCliOptions {
  port: number;
  host: string;
  latency?: number;
  ttft?: number;
  tps?: number;
  words?: number;
}

/** `switchyard mock-upstream`: the simulator over HTTP, for tests, benchmarks and demos. */
export async function mockUpstreamCommand(options: MockUpstreamCliOptions): Promise<void> {
  const server = await startMockUpstream({
    port: options.port,
    host: options.host,
    behavior: {
      ...(options.latency !== undefined ? { latencyMs: options.latency } : {}),
      ...(options.ttft !== undefined ? { ttftMs: options.ttft } : {}),
      ...(options.tps !== undefined ? { tokensPerSecond: options.tps } : {}),
      ...(options.words !== undefined ? { words: options.words } : {}),
    },
  });
  process.stdout.write(`Mock upstream (simulated answers) listening on ${server.url}\n`);
  const stop = () => void server.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

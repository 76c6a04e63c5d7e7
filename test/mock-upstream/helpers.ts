import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll } from 'vitest';
import {
  startMockUpstream,
  type MockUpstreamOptions,
  type MockUpstreamServer,
} from '../../src/upstreams/mock/server.js';

/** Starts a mock upstream on a free port for the enclosing suite and closes it afterwards. */
export function useMockUpstream(options: Omit<MockUpstreamOptions, 'port'> = {}): {
  readonly server: MockUpstreamServer;
} {
  const holder: { server?: MockUpstreamServer } = {};
  beforeAll(async () => {
    holder.server = await startMockUpstream({ ...options, port: 0 });
  });
  afterAll(async () => {
    await holder.server?.close();
  });
  return {
    get server() {
      if (!holder.server) throw new Error('The mock upstream has not started.');
      return holder.server;
    },
  };
}

export function client(
  url: string,
  apiKey = 'sk-test',
  defaultHeaders: Record<string, string> = {},
): Anthropic {
  return new Anthropic({ apiKey, baseURL: url, maxRetries: 0, defaultHeaders });
}

export const MODEL = 'claude-haiku-4-5-20251001';

export function ask(text: string, maxTokens = 1024) {
  return { model: MODEL, max_tokens: maxTokens, messages: [{ role: 'user' as const, content: text }] };
}

export interface Stats {
  requests: number;
  inFlight: number;
  completed: number;
  aborted: number;
  lastHeaders: Record<string, string> | null;
}

export async function stats(url: string): Promise<Stats> {
  return (await (await fetch(`${url}/_mock/stats`)).json()) as Stats;
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('Timed out waiting for a condition.');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

import Anthropic from '@anthropic-ai/sdk';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NewAccountInput } from '../../src/services/admin-types.js';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';
import { startTestGateway, waitFor, type TestGateway } from '../support/gateway.js';

/**
 * A gateway whose claude_cli accounts run the REAL Claude Code CLI (the pinned devDependency)
 * against the mock upstream over ANTHROPIC_BASE_URL. Account directories live in a temporary
 * data dir, removed at the end.
 */
export const MODEL = 'claude-haiku-4-5-20251001';
export const MOCK_TEXT = 'Hello from the Switchyard mock upstream';

export interface CliRig {
  upstream: MockUpstreamServer;
  gateway: TestGateway;
  client: Anthropic;
  dataDir: string;
  /** The body of the last /v1/messages request the mock received (from the CLI). */
  lastRequest(): Promise<UpstreamBody>;
  /** Queues per-request behaviours in the mock (status, tool-use, …). */
  script(responses: Record<string, unknown>[]): Promise<void>;
  stats(): ReturnType<TestGateway['runtime']['claudeCli']['pool']['stats']>;
  /** Waits until no process is serving a turn or being stopped. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export interface UpstreamBody {
  model: string;
  system: { type: string; text: string }[];
  messages: { role: string; content: string | Record<string, unknown>[] }[];
  tools: unknown[];
  max_tokens: number;
  temperature?: number;
  top_k?: number;
  stop_sequences?: string[];
}

export function cliAccount(
  name: string,
  upstreamUrl: string,
  extra: Partial<NewAccountInput> = {},
): NewAccountInput {
  return {
    kind: 'claude_cli',
    name,
    apiKey: 'sk-ant-cli-test',
    baseUrl: upstreamUrl,
    settings: { credentialType: 'api_key' },
    ...extra,
  };
}

export async function startCliRig(
  accounts: (upstreamUrl: string) => NewAccountInput[],
  env: Record<string, string> = {},
): Promise<CliRig> {
  const upstream = await startMockUpstream();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-cli-'));
  const gateway = await startTestGateway({
    accounts: accounts(upstream.url),
    env: { SWITCHYARD_DATA_DIR: dataDir, CLAUDE_CLI_SPAWNS_PER_SECOND: '20', ...env },
  });
  const client = new Anthropic({ apiKey: gateway.key, baseURL: gateway.url, maxRetries: 0, timeout: 60_000 });
  const pool = gateway.runtime.claudeCli.pool;
  return {
    upstream,
    gateway,
    client,
    dataDir,
    async lastRequest() {
      const response = await fetch(`${upstream.url}/_mock/last-request`);
      return (await response.json()) as UpstreamBody;
    },
    async script(responses) {
      const response = await fetch(`${upstream.url}/_mock/script`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ responses }),
      });
      if (!response.ok) throw new Error(`script: ${await response.text()}`);
    },
    stats: () => pool.stats(),
    async settled() {
      await waitFor(() => {
        const { processes } = pool.stats();
        return processes.busy === 0 && processes.stopping === 0;
      }, 20_000);
    },
    async close() {
      await gateway.close();
      await upstream.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The texts of a message's content, joined (string content as is). */
export function textOf(content: string | Record<string, unknown>[]): string {
  if (typeof content === 'string') return content;
  return content
    .filter((b) => b['type'] === 'text')
    .map((b) => String(b['text']))
    .join('');
}

/** The CLI puts a `<system-reminder>` block (today's date) before the first user message's content. */
export function withoutReminder(content: string | Record<string, unknown>[]): Record<string, unknown>[] {
  const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : content;
  return blocks
    .filter((b) => !(b['type'] === 'text' && String(b['text']).startsWith('<system-reminder>')))
    .map(({ cache_control: _cache, ...rest }) => rest);
}

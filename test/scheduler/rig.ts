/**
 * A gateway whose accounts are `anthropic_api` accounts, each on its own standalone mock
 * upstream, so a test can script, count and tell the accounts apart over real HTTP.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { PoolAccount } from '../../src/gateway/scheduler/pool-account.js';
import type { AccountView } from '../../src/services/admin-types.js';
import type { UsageRecord } from '../../src/store/types.js';
import { startMockUpstream, type MockUpstreamServer } from '../../src/upstreams/mock/server.js';
import { startTestGateway, waitFor, type TestGateway } from '../support/gateway.js';

export const MODEL = 'claude-sonnet-4-6';
const UPSTREAM_KEY = 'sk-ant-scheduler-test';

export interface RigAccount {
  name: string;
  priority?: number;
  maxConcurrency?: number;
}

export interface MockStats {
  requests: number;
  inFlight: number;
  completed: number;
  aborted: number;
  lastHeaders: Record<string, string> | null;
}

export interface Rig {
  gateway: TestGateway;
  client: Anthropic;
  mock(name: string): MockUpstreamServer;
  stats(name: string): Promise<MockStats>;
  /** Queues per-request behaviours on one account's mock (`{ status: 429, 'retry-after': 1 }`). */
  script(name: string, ...responses: Record<string, unknown>[]): Promise<void>;
  /** The live scheduling state of one account. */
  account(name: string): PoolAccount;
  /** The account as the store (and the admin API) has it. */
  stored(name: string): Promise<AccountView>;
  /** Clears scripts, counters and account states between tests. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startRig(accounts: RigAccount[], env: Record<string, string> = {}): Promise<Rig> {
  const mocks = new Map<string, MockUpstreamServer>();
  for (const account of accounts) mocks.set(account.name, await startMockUpstream());
  const mock = (name: string) => {
    const found = mocks.get(name);
    if (!found) throw new Error(`no mock for account ${name}`);
    return found;
  };
  const gateway = await startTestGateway({
    accounts: accounts.map((a) => ({
      kind: 'anthropic_api' as const,
      name: a.name,
      apiKey: UPSTREAM_KEY,
      baseUrl: mock(a.name).url,
      priority: a.priority ?? 10,
      maxConcurrency: a.maxConcurrency ?? 8,
    })),
    // After an aborted fetch the client side may hold a connection that never carries a request;
    // Node counts it as busy, so shutdown would wait the whole (30 s) grace period for it.
    env: { SHUTDOWN_GRACE_MS: '300', ...env },
  });
  const client = new Anthropic({ apiKey: gateway.key, baseURL: gateway.url, maxRetries: 0 });
  const rig: Rig = {
    gateway,
    client,
    mock,
    async stats(name) {
      return (await (await fetch(`${mock(name).url}/_mock/stats`)).json()) as MockStats;
    },
    async script(name, ...responses) {
      const response = await fetch(`${mock(name).url}/_mock/script`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ responses }),
      });
      if (!response.ok) throw new Error(`script rejected: ${await response.text()}`);
    },
    account(name) {
      const found = gateway.runtime.pool.accounts().find((a) => a.name === name);
      if (!found) throw new Error(`no account ${name}`);
      return found;
    },
    async stored(name) {
      const found = (await gateway.runtime.accounts.list()).find((a) => a.name === name);
      if (!found) throw new Error(`no stored account ${name}`);
      return found;
    },
    async reset() {
      for (const [name, server] of mocks) {
        await waitFor(() => rig.account(name).inFlight === 0);
        await fetch(`${server.url}/_mock/reset`, { method: 'POST' });
        // An admin's `state: active` clears cooldowns and re-auth marks, and reloads the pool.
        await gateway.runtime.accounts.update(name, { state: 'active' });
        rig.account(name).consecutiveFailures = 0;
      }
    },
    async close() {
      await gateway.close();
      for (const server of mocks.values()) await server.close();
    },
  };
  return rig;
}

let asked = 0;

/**
 * A minimal Messages request; `text` may carry a `[[mock ...]]` directive. The default text is
 * new each time: the same first message is the same conversation, which sticks to one account.
 */
export function ask(text = `Hello ${++asked}`, maxTokens = 64) {
  return { model: MODEL, max_tokens: maxTokens, messages: [{ role: 'user' as const, content: text }] };
}

/** One value from the gateway's /metrics, by name and labels; undefined when absent. */
export async function metric(
  gateway: TestGateway,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]] as const),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

/** The usage rows of one request, once the ledger has written them. */
export async function usageRows(gateway: TestGateway, requestId: string): Promise<UsageRecord[]> {
  await gateway.runtime.ledger.flush();
  return gateway.runtime.store.usage.list({ requestId });
}

/** The usage rows of one request, waiting until the first is written (the ledger is asynchronous). */
export function waitForRows(
  gateway: TestGateway,
  requestId: string | null | undefined,
): Promise<UsageRecord[]> {
  if (!requestId) throw new Error('no request id');
  return waitFor(async () => {
    const rows = await usageRows(gateway, requestId);
    return rows.length > 0 ? rows : undefined;
  });
}

/** The APIError a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Anthropic.APIError)) throw new Error(`expected an APIError, got ${String(error)}`);
  return error;
}

/** A raw streaming POST, to see the SSE bytes as the client gets them. */
export function postStream(
  gateway: TestGateway,
  body: object,
  options: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Response> {
  return fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': gateway.key,
      'anthropic-version': '2023-06-01',
      ...options.headers,
    },
    body: JSON.stringify({ ...body, stream: true }),
    signal: options.signal,
  });
}

/** The names of the SSE events in a complete body, in order. */
export function eventNames(body: string): string[] {
  return [...body.matchAll(/^event: (\S+)$/gm)].map((m) => m[1] ?? '');
}

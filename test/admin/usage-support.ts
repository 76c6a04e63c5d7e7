/** What the admin usage suites share: ledger rows to seed and JSON calls to the admin API. */
import { randomUUID } from 'node:crypto';
import type { UsageRecord } from '../../src/store/index.js';
import type { TestGateway } from '../support/gateway.js';

/** A ledger row: a plain 200 from claude-sonnet-4-6 (10 in, 5 out, 100 ms, free) unless overridden. */
export function usageRow(overrides: Partial<UsageRecord> & { createdAt: Date }): UsageRecord {
  return {
    requestId: `req_${randomUUID()}`,
    apiKeyId: null,
    userId: null,
    accountId: null,
    model: 'claude-sonnet-4-6',
    requestedModel: null,
    stream: false,
    inputTokens: 10,
    outputTokens: 5,
    cacheCreationInputTokens: 0,
    cacheReadInputTokens: 0,
    status: 200,
    errorType: null,
    latencyMs: 100,
    ttftMs: null,
    costUsd: 0,
    ...overrides,
  };
}

/** An admin API call with the gateway's admin token; the body parsed as JSON. */
export async function adminJson<T>(
  gateway: TestGateway,
  path: string,
  method = 'GET',
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${gateway.runtime.adminToken}` },
  });
  return { status: response.status, body: (await response.json()) as T };
}

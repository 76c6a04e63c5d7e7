import { describe, expect, it } from 'vitest';
import { MemoryAccountRepository, accountRecord, poolOver } from '../../test/support/scheduler-fixtures.js';
import type { AlertPayload } from '../observability/alert-webhook.js';
import { AccountAlerts } from './account-alerts.js';

const SONNET = 'claude-sonnet-4-6';
const OPUS = 'claude-opus-4-1';

async function setup() {
  let now = Date.parse('2026-12-02T10:00:00Z');
  const sent: AlertPayload[] = [];
  const pool = await poolOver(
    new MemoryAccountRepository([
      accountRecord({ name: 'both-1' }),
      accountRecord({ name: 'both-2' }),
      accountRecord({ name: 'opus', models: [OPUS] }),
    ]),
  );
  const alerts = new AccountAlerts(
    async (alert) => void sent.push(alert),
    () => [SONNET, OPUS],
    () => pool.accounts(),
    { repeatAfterMs: 15 * 60_000, minOutageMs: 60_000 },
    () => now,
  );
  const byName = (name: string) => pool.accounts().find((a) => a.name === name)!;
  /** Cools the account down as a failed attempt would, and reports the change. */
  const cool = (name: string, ms: number) => {
    const account = byName(name);
    const change = account.apply(
      { kind: 'rate_limited', cooldownMs: ms, quotaExhausted: true, reason: 'quota' },
      now,
    );
    if (change) alerts.onStateChange(account, change);
  };
  return { sent, cool, byName, alerts, pool, advance: (ms: number) => (now += ms) };
}

describe('AccountAlerts', () => {
  it('alerts once per model outage, naming only the models left without an active account', async () => {
    const { sent, cool, advance } = await setup();
    cool('both-1', 600_000);
    expect(sent).toEqual([]); // both-2 still serves both models
    cool('both-2', 600_000);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ alert: 'model_all_accounts_cooling_down', severity: 'critical' });
    const models = (sent[0]!.details['models'] as Array<{ model: string }>).map((m) => m.model);
    expect(models).toEqual([SONNET]); // opus still has its own account
    cool('opus', 600_000);
    expect(sent).toHaveLength(2);
    expect((sent[1]!.details['models'] as Array<{ model: string }>).map((m) => m.model)).toEqual([OPUS]);
    expect(sent[1]!.summary).toMatch(/claude-opus-4-1 is cooling down until 2026-12-02T10:10:00.000Z/);
    // Within the repeat window the same outage is not sent again; after it, it is.
    advance(60_000);
    cool('both-1', 900_000);
    expect(sent).toHaveLength(2);
    advance(15 * 60_000);
    cool('both-1', 900_000);
    expect(sent).toHaveLength(2); // both-2's cooldown has run out: the model is not out
    cool('both-2', 900_000);
    expect(sent).toHaveLength(3);
  });

  it('does not alert for cooldowns shorter than the minimum outage', async () => {
    const { sent, cool } = await setup();
    cool('both-1', 2_000);
    cool('both-2', 2_000);
    cool('opus', 2_000);
    expect(sent).toEqual([]);
  });

  it('alerts once when an account needs re-authentication', async () => {
    const { sent, byName, alerts } = await setup();
    const account = byName('opus');
    for (let i = 0; i < 2; i++) {
      const change = { state: 'needs_reauth' as const, stateReason: 'HTTP 401', cooldownUntil: null };
      alerts.onStateChange(account, change);
    }
    expect(sent).toEqual([
      expect.objectContaining({
        alert: 'account_needs_reauth',
        severity: 'warning',
        details: expect.objectContaining({ account: 'opus', reason: 'HTTP 401', kind: 'mock' }),
      }),
    ]);
  });
});

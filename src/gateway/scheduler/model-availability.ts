import { ACCOUNT_STATES, type ModelAccountCount } from '../../observability/pool-metrics.js';
import type { PoolAccount } from './pool-account.js';

/**
 * Accounts per catalogue model and state, for the "every account of a model is cooling down"
 * alert. Read at scrape time. Models no usable or recoverable account serves are left out: a
 * catalogue entry nobody serves, or one served only by disabled accounts, is a choice, not an
 * outage.
 */
export function modelAccountCounts(
  modelIds: Iterable<string>,
  accounts: readonly PoolAccount[],
): ModelAccountCount[] {
  const out: ModelAccountCount[] = [];
  for (const model of modelIds) {
    const counts = new Map<string, number>(ACCOUNT_STATES.map((state) => [state, 0]));
    let served = false;
    for (const account of accounts) {
      if (!account.serves(model)) continue;
      counts.set(account.state, (counts.get(account.state) ?? 0) + 1);
      if (account.state !== 'disabled') served = true;
    }
    if (!served) continue;
    for (const [state, n] of counts) out.push({ model, state, accounts: n });
  }
  return out;
}

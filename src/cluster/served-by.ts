import type { AccountRecord } from '../store/types.js';

/**
 * Whether a distributed gateway hands this account's attempts to workers (its own lane) instead of
 * calling the upstream itself. `claude_cli` accounts live on the machine holding their config
 * dir, so they are served by workers unless their settings say `servedBy: 'gateway'` (a gateway
 * on that machine). Any other kind is called by the gateways directly unless its settings say
 * `servedBy: 'worker'` (upstream egress from worker hosts only; tests put `mock` accounts there).
 */
export function servedByWorker(record: Pick<AccountRecord, 'kind' | 'settings'>): boolean {
  const servedBy = record.settings['servedBy'];
  if (servedBy === 'worker') return true;
  if (servedBy === 'gateway') return false;
  return record.kind === 'claude_cli';
}

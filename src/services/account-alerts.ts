import type { PoolAccount, StateChange } from '../gateway/scheduler/pool-account.js';
import type { OutboundUrlGuard } from '../identity/outbound-url.js';
import { createAlertWebhook, type AlertSender } from '../observability/alert-webhook.js';
import type { Logger } from '../observability/logger.js';

export interface AccountAlertsOptions {
  /** The same alert (account, or model) is sent again only after this long. */
  repeatAfterMs: number;
  /** "Every account of a model is cooling down" only when the model is out for at least this long. */
  minOutageMs: number;
}

export const DEFAULT_ACCOUNT_ALERTS: AccountAlertsOptions = {
  repeatAfterMs: 15 * 60_000,
  minOutageMs: 60_000,
};

/**
 * Turns account state changes this process makes into webhook alerts: an account that needs
 * re-authentication, and a model whose every account is cooling down for a while. Each process
 * alerts on the changes it makes (its attempts failed), so in distributed mode one change is
 * normally sent once; the Prometheus alerts (deploy/prometheus/alerts.yml) cover the rest.
 */
export class AccountAlerts {
  private readonly sentAt = new Map<string, number>();

  constructor(
    private readonly send: AlertSender,
    private readonly models: () => readonly string[],
    private readonly accounts: () => readonly PoolAccount[],
    private readonly options: AccountAlertsOptions = DEFAULT_ACCOUNT_ALERTS,
    private readonly now: () => number = Date.now,
  ) {}

  readonly onStateChange = (account: PoolAccount, change: StateChange): void => {
    if (change.state === 'needs_reauth') {
      if (!this.due(`reauth:${account.id}`)) return;
      void this.send({
        alert: 'account_needs_reauth',
        severity: 'warning',
        summary: `Account ${account.name} needs re-authentication: it takes no traffic until an operator fixes it.`,
        details: {
          account: account.name,
          accountId: account.id,
          kind: account.record.kind,
          reason: change.stateReason,
        },
      });
    } else if (change.state === 'cooling_down') {
      // Accounts usually serve many models: one alert names every model this change took out.
      const out = this.models()
        .filter((model) => account.serves(model))
        .flatMap((model) => this.outage(model) ?? [])
        .filter((outage) => this.due(`cooling:${outage.model}`));
      if (out.length === 0) return;
      const back = new Date(Math.min(...out.map((o) => Date.parse(o.until)))).toISOString();
      const names = out.map((o) => o.model);
      void this.send({
        alert: 'model_all_accounts_cooling_down',
        severity: 'critical',
        summary:
          out.length === 1
            ? `Every account serving ${names[0]} is cooling down until ${back}.`
            : `Every account serving ${out.length} models (${names.join(', ')}) is cooling down; the first is back at ${back}.`,
        details: { models: out },
      });
    }
  };

  /** The model's outage, when it has no active account and stays so for at least minOutageMs. */
  private outage(model: string) {
    const serving = this.accounts().filter((a) => a.serves(model) && a.state !== 'disabled');
    if (serving.some((a) => a.state === 'active')) return undefined;
    const cooling = serving.filter((a) => a.state === 'cooling_down');
    if (cooling.length === 0) return undefined;
    const back = Math.min(...cooling.map((a) => a.cooldownUntil));
    if (back - this.now() < this.options.minOutageMs) return undefined;
    return {
      model,
      until: new Date(back).toISOString(),
      accounts: cooling.map((a) => ({ account: a.name, reason: a.stateReason })),
    };
  }

  /** Whether the alert of this key may go now (not sent within repeatAfterMs); if so, marks it sent. */
  private due(key: string): boolean {
    const now = this.now();
    const last = this.sentAt.get(key);
    if (last !== undefined && now - last < this.options.repeatAfterMs) return false;
    this.sentAt.set(key, now);
    return true;
  }
}

/**
 * The account alerts of ALERT_WEBHOOK_URL; undefined without one. The URL is checked now too, so a
 * refused one is in the log at start, not only when the first alert is lost.
 */
export function createAccountAlerts(
  url: string | undefined,
  deps: {
    guard: OutboundUrlGuard;
    logger: Logger;
    models: () => readonly string[];
    accounts: () => readonly PoolAccount[];
  },
): AccountAlerts | undefined {
  if (url === undefined) return undefined;
  deps.guard
    .check(url, 'ALERT_WEBHOOK_URL')
    .catch((error: unknown) =>
      deps.logger.error(
        { err: error },
        'ALERT_WEBHOOK_URL is refused by the outbound checks: no alert will be sent',
      ),
    );
  return new AccountAlerts(createAlertWebhook(url, deps.guard, deps.logger), deps.models, deps.accounts);
}

import type { RawConfig } from './schema.js';

/** Usage gauges and alert webhooks: see docs/observability.md. */
export interface ObservabilityConfig {
  /** How often the per-key/per-user usage and budget gauges are read from the ledger; 0: never. */
  usageGaugesIntervalMs: number;
  /** Keys and users (each) the usage gauges report at most: the top spenders, the fullest budgets. */
  usageGaugesTop: number;
  /** Where account alerts are POSTed as JSON (SSRF-checked); undefined: none. */
  alertWebhookUrl: string | undefined;
}

export function observabilityConfigOf(raw: RawConfig): ObservabilityConfig {
  return {
    usageGaugesIntervalMs: raw.METRICS_USAGE_INTERVAL_MS,
    usageGaugesTop: raw.METRICS_USAGE_TOP,
    alertWebhookUrl: raw.ALERT_WEBHOOK_URL,
  };
}

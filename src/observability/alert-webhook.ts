import { hostname } from 'node:os';
import { Agent, request } from 'undici';
import { guardedLookup } from '../identity/guarded-lookup.js';
import type { OutboundUrlGuard } from '../identity/outbound-url.js';
import type { Logger } from './logger.js';

/** One alert as the webhook receives it (a stable shape: receivers parse it). */
export interface AlertPayload {
  /** What happened: account_needs_reauth, model_all_accounts_cooling_down. */
  alert: string;
  severity: 'critical' | 'warning';
  summary: string;
  /** Everything else the alert knows: the account and why, or the models out and until when. */
  details: Record<string, unknown>;
}

export type AlertSender = (alert: AlertPayload) => Promise<void>;

const TIMEOUT_MS = 5_000;

/**
 * POSTs alerts as JSON to ALERT_WEBHOOK_URL: `{ source, host, at, alert, severity, summary,
 * details }`. The URL passes the outbound SSRF check before every send and at connect time (DNS
 * rebinding), like account base URLs. A failed send is logged, never retried: the Prometheus
 * alerts are the dependable path, this one is the quick nudge.
 */
export function createAlertWebhook(url: string, guard: OutboundUrlGuard, logger: Logger): AlertSender {
  const dispatcher = new Agent({
    connect: { lookup: guardedLookup(guard), timeout: TIMEOUT_MS },
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
  });
  const host = hostname();
  return async (alert) => {
    try {
      await guard.check(url, 'ALERT_WEBHOOK_URL');
      const { statusCode, body } = await request(url, {
        dispatcher,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'switchyard-alerts' },
        body: JSON.stringify({ source: 'switchyard', host, at: new Date().toISOString(), ...alert }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await body.dump();
      if (statusCode >= 300) throw new Error(`the webhook answered HTTP ${statusCode}`);
      logger.info({ alert: alert.alert, details: alert.details }, 'alert webhook sent');
    } catch (error) {
      logger.warn(
        { err: error, alert: alert.alert, details: alert.details },
        'could not send an alert webhook',
      );
    }
  };
}

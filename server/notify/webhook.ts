// Generic JSON webhook, signed so the receiver can tell the alert came from this server and is fresh.
// See README.md in this folder for the receiver's side.
import { createHmac } from 'node:crypto';
import { checkUrl, postJson } from './http.ts';
import { delivery, withRetries } from './retry.ts';
import { NotifyError, type Notifier, type NotifyAlert, type NotifyLog, type WebhookConfig } from './types.ts';

export const SIGNATURE_HEADER = 'x-ratwatch-signature';
export const TIMESTAMP_HEADER = 'x-ratwatch-timestamp';
/** The same on every retry of one notification of an alert; what a receiver deduplicates by. */
export const NOTIFICATION_HEADER = 'x-ratwatch-notification-id';

/** "sha256=" + hex HMAC-SHA256 over "<timestamp>.<body>", timestamp in Unix seconds. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function webhookBody(alert: NotifyAlert): string {
  return JSON.stringify({
    schema: 'ratwatch.alert/1',
    id: alert.id,
    rule: alert.rule,
    subject: alert.subject,
    severity: alert.severity,
    title: alert.title,
    ...(alert.url ? { url: alert.url } : {}),
    agentIds: alert.agentIds,
    explanation: alert.explanation,
  });
}

export function webhookNotifier(c: WebhookConfig, log?: NotifyLog, clock: () => number = Date.now): Notifier {
  const name = c.name ?? 'webhook';
  const url = checkUrl(c.url, name, c.allowHttp);
  if (typeof c.secret !== 'string' || c.secret.length < 16) throw new NotifyError(`${name}: secret must be at least 16 characters`);
  const d = delivery(c, name);
  return {
    name,
    delivery: d,
    async send(alert) {
      const body = webhookBody(alert);
      await withRetries(
        name,
        d,
        () => {
          const ts = Math.floor(clock() / 1000); // signed afresh per attempt so a late retry is not stale
          return postJson(
            url,
            body,
            {
              [TIMESTAMP_HEADER]: String(ts),
              [SIGNATURE_HEADER]: signWebhook(c.secret, ts, body),
              'x-ratwatch-alert-id': encodeURIComponent(alert.id),
              ...(alert.notificationId ? { [NOTIFICATION_HEADER]: encodeURIComponent(alert.notificationId) } : {}),
            },
            d.timeoutMs,
          );
        },
        log,
      );
    },
  };
}

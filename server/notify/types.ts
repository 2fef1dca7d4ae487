import type { AlertDraft } from '../farm/types.ts';
import type { CORE_ALERT_RULES } from '../vocabulary.ts';
import type { Delivery } from './retry.ts';

/**
 * A liveness or tamper alert of the core (store/ingest-tx.ts, the liveness job, a bad signature): its
 * explanation is flat data whose `kind` names what happened; the other values are shown as they are.
 */
export interface CoreAlertDraft {
  rule: (typeof CORE_ALERT_RULES)[number];
  subject: string;
  severity: AlertDraft['severity'];
  title: string;
  explanation: { kind: string; hostname?: string; [k: string]: unknown };
  agentIds: string[];
}

/**
 * An alert as the core stores it: a draft plus its id and, when the server has a UI, a link to it.
 * `notificationId` names this notification of the alert (its claim: new, or open again after it was
 * closed): every retry carries the same one, a reopened alert a new one, so a receiver deduplicates by it.
 */
export type NotifyAlert = (AlertDraft | CoreAlertDraft) & { id: string; url?: string; notificationId?: string };

export interface Notifier {
  readonly name: string;
  /** Its bounds (retry.ts): how long one send can take, and when the rounds stop trying (jobs/alert-delivery.ts). */
  readonly delivery: Delivery;
  /** Resolves once the sink accepted the alert; rejects with a NotifyError (one line, no secrets). */
  send(alert: NotifyAlert): Promise<void>;
}

export interface DeliveryOptions {
  timeoutMs?: number; // per attempt; default 10,000
  retries?: number; // further attempts after the first; default 3, at most 10
  backoffMs?: number; // first wait, doubled per attempt; default 1,000
  maxBackoffMs?: number; // cap of one wait (and of a Retry-After); default 30,000
  giveUpAfterMs?: number; // later rounds retry a failed notification until it is this old; default 86,400,000 (24 h)
}

export interface WebhookConfig extends DeliveryOptions {
  type: 'webhook';
  name?: string;
  url: string;
  secret: string; // HMAC-SHA256 key, at least 16 characters
  allowHttp?: boolean; // plain http to a non-loopback host; off by default
}

export interface SlackConfig extends DeliveryOptions {
  type: 'slack';
  name?: string;
  url: string; // the incoming-webhook URL; its path is a secret and never appears in errors
  allowHttp?: boolean;
}

export interface EmailConfig extends DeliveryOptions {
  type: 'email';
  name?: string;
  host: string;
  port?: number; // default 587, or 465 with tls: 'implicit'
  tls?: 'starttls' | 'implicit' | 'none'; // default starttls (required); none only for a loopback relay
  user?: string;
  pass?: string;
  from: string;
  to: string[];
  ca?: string;
}

export type NotifierConfig = WebhookConfig | SlackConfig | EmailConfig;

/** Called with one line per retry, for the server's log; never contains secrets. */
export type NotifyLog = (line: string) => void;

export class NotifyError extends Error {
  constructor(message: string) {
    super(message.replace(/[\r\n\t]+/g, ' ').slice(0, 400));
    this.name = 'NotifyError';
  }
}

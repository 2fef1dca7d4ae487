// SIEM forwarding of findings and alerts (server settings "siem"): OCSF over HTTPS as JSON POSTs, or
// Splunk's HTTP Event Collector. Events go through the outbox table (store/delivery-tx.ts) so nothing the
// server stored is lost while a SIEM is down; jobs/siem-round.ts fills and drains it.

export interface SiemSinkBase {
  /** Unique among sinks; names the sink's rows in the outbox (default: the type). */
  name?: string;
  url: string;
  /** PEM CA bundle trusted for this sink instead of the system roots. */
  caFile?: string;
  /** Plain http to a non-loopback host; off by default. */
  allowHttp?: boolean;
  /** What is forwarded; default both. */
  forward?: Array<'findings' | 'alerts'>;
  timeoutMs?: number; // per request; default 15,000
  batch?: number; // events per request; default 100
  retryBaseMs?: number; // first wait after a failure, doubled per attempt; default 30,000
  retryMaxMs?: number; // longest wait; default 3,600,000
  /**
   * Most events kept in this sink's outbox (waiting and refused ones); default 100,000. When a long outage
   * fills it, the oldest events are dropped, counted (siemCounts, GET /api/siem) and logged.
   */
  maxQueued?: number;
}

export interface OcsfSinkConfig extends SiemSinkBase {
  type: 'ocsf';
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string;
}

export interface HecSinkConfig extends SiemSinkBase {
  type: 'splunk-hec';
  token: string;
  index?: string;
  fields?: Record<string, string>;
  /** X-Splunk-Request-Channel (a GUID); default a fixed one per sink name. */
  channel?: string;
  /**
   * Indexer acknowledgment is on for the token: a batch counts as delivered only once
   * /services/collector/ack says its ackId is indexed; default false (the 200 is the delivery).
   */
  ack?: boolean;
  /** How long one batch's acknowledgment is awaited (at most 20 queries); default 10,000 ms. */
  ackTimeoutMs?: number;
}

export type SiemConfig = OcsfSinkConfig | HecSinkConfig;

export class SiemConfigError extends Error {
  constructor(message: string) {
    super(message.replace(/[\r\n\t]+/g, ' ').slice(0, 400));
    this.name = 'SiemConfigError';
  }
}

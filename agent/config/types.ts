export type ReportFormat = 'native' | 'ocsf' | 'splunk-hec';

export interface EndpointConfig {
  url?: string; // required to deliver; a config without it can still scan
  format: ReportFormat;
  tokenFile?: string;
  tokenEnv?: string; // name of the environment variable holding the token
  /** ratwatch-server enrollment secret: with no key in tokenFile yet, delivery enrolls first (PROTOCOL.md). */
  enrollSecretFile?: string;
  caFile?: string | undefined; // PEM bundle that replaces the system roots for this endpoint
  hmacKeyFile?: string;
  allowInsecureHttp: boolean;
  timeoutMs: number; // whole request, connect to last response byte
  connectTimeoutMs: number; // TCP connect + TLS handshake
  maxResponseBytes: number;
  gzip: boolean;
  index?: string; // splunk-hec: target index
  fields?: Record<string, string>; // splunk-hec: indexed fields on every event
  hecAckWaitMs: number; // splunk-hec: wait for the indexer's ack within one delivery
  hecAckTimeoutSeconds: number; // splunk-hec: resend a report unacknowledged this long
}

export interface Config {
  /** The config file it was read from, for messages; undefined when none. */
  file?: string | undefined;
  endpoint: EndpointConfig;
  schedule: string; // node-cron expression
  jitterSeconds: number;
  spoolDir: string;
  spoolMaxFiles: number;
  spoolMaxBytes: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number; // also the cap on a server's Retry-After
  fullStateEvery: number; // cycles between full-state reports
  policyFile?: string;
  agentId?: string; // default: generated once and kept in spoolDir/agent-id
}

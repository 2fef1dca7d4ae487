import path from 'node:path';

// One table drives the file keys, the RATWATCH_* variables and the command-line flags, so the three
// sources cannot drift apart. Precedence is applied in load.ts: flags > env > file > defaults.

export type FieldType =
  | { kind: 'string'; pattern?: RegExp; hint?: string }
  | { kind: 'path' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'number'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'cron' }
  | { kind: 'map'; keyPattern: RegExp; reserved: readonly string[]; maxEntries: number; maxValueLength: number };

export interface Field {
  key: string; // dotted path in the config file and in Config
  env: string;
  flag: string; // long flag without the leading dashes
  type: FieldType;
  default?: unknown;
  help: string;
}

export function defaultSpoolDir(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return path.win32.join(process.env.ProgramData ?? 'C:\\ProgramData', 'ratwatch', 'spool');
  if (platform === 'darwin') return '/Library/Application Support/ratwatch/spool';
  return '/var/lib/ratwatch/spool';
}

export function defaultConfigFile(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return path.win32.join(process.env.ProgramData ?? 'C:\\ProgramData', 'ratwatch', 'ratwatch.yaml');
  if (platform === 'darwin') return '/Library/Application Support/ratwatch/ratwatch.yaml';
  return '/etc/ratwatch.yaml';
}

const MS_DAY = 86_400_000;

/** Names an operator's endpoint.fields may not take: Splunk's default fields and the per-event id ratwatch sets. */
export const HEC_RESERVED_FIELDS = [
  'ratwatch_event_id',
  'host',
  'source',
  'sourcetype',
  'index',
  'time',
  'punct',
  'linecount',
  'splunk_server',
  'eventtype',
  'tag',
  'timestamp',
] as const;

export const FIELDS: readonly Field[] = [
  {
    key: 'endpoint.url',
    env: 'RATWATCH_ENDPOINT_URL',
    flag: 'endpoint-url',
    type: { kind: 'string' },
    help: 'https URL reports are POSTed to',
  },
  {
    key: 'endpoint.format',
    env: 'RATWATCH_ENDPOINT_FORMAT',
    flag: 'endpoint-format',
    type: { kind: 'enum', values: ['native', 'ocsf', 'splunk-hec'] },
    default: 'native',
    help: 'payload format: native, ocsf or splunk-hec',
  },
  {
    key: 'endpoint.tokenFile',
    env: 'RATWATCH_ENDPOINT_TOKEN_FILE',
    flag: 'token-file',
    type: { kind: 'path' },
    help: 'file holding the bearer / HEC token',
  },
  {
    key: 'endpoint.tokenEnv',
    env: 'RATWATCH_ENDPOINT_TOKEN_ENV',
    flag: 'token-env',
    type: { kind: 'string', pattern: /^[A-Za-z_][A-Za-z0-9_]{0,127}$/, hint: 'an environment variable name' },
    help: 'name of the environment variable holding the token',
  },
  {
    key: 'endpoint.enrollSecretFile',
    env: 'RATWATCH_ENDPOINT_ENROLL_SECRET_FILE',
    flag: 'enroll-secret-file',
    type: { kind: 'path' },
    help: 'ratwatch-server enrollment secret file: an agent without a key enrolls itself before its first report (key in tokenFile, default <spoolDir>/agent-key)',
  },
  {
    key: 'endpoint.caFile',
    env: 'RATWATCH_ENDPOINT_CA_FILE',
    flag: 'ca-file',
    type: { kind: 'path' },
    help: 'PEM CA bundle trusted for the endpoint (replaces system roots)',
  },
  {
    key: 'endpoint.hmacKeyFile',
    env: 'RATWATCH_ENDPOINT_HMAC_KEY_FILE',
    flag: 'hmac-key-file',
    type: { kind: 'path' },
    help: 'key file for the X-Ratwatch-Signature HMAC-SHA256 header',
  },
  {
    key: 'endpoint.allowInsecureHttp',
    env: 'RATWATCH_ENDPOINT_ALLOW_INSECURE_HTTP',
    flag: 'allow-insecure-http',
    type: { kind: 'bool' },
    default: false,
    help: 'allow plain http to a non-loopback endpoint',
  },
  {
    key: 'endpoint.timeoutMs',
    env: 'RATWATCH_ENDPOINT_TIMEOUT_MS',
    flag: 'timeout-ms',
    type: { kind: 'int', min: 100, max: 600_000 },
    default: 30_000,
    help: 'whole-request timeout',
  },
  {
    key: 'endpoint.connectTimeoutMs',
    env: 'RATWATCH_ENDPOINT_CONNECT_TIMEOUT_MS',
    flag: 'connect-timeout-ms',
    type: { kind: 'int', min: 100, max: 600_000 },
    default: 10_000,
    help: 'connect + TLS handshake timeout',
  },
  {
    key: 'endpoint.maxResponseBytes',
    env: 'RATWATCH_ENDPOINT_MAX_RESPONSE_BYTES',
    flag: 'max-response-bytes',
    type: { kind: 'int', min: 256, max: 16 * 1024 * 1024 },
    default: 64 * 1024,
    help: 'largest response body accepted',
  },
  {
    key: 'endpoint.index',
    env: 'RATWATCH_ENDPOINT_INDEX',
    flag: 'index',
    type: { kind: 'string', pattern: /^[a-z0-9][a-z0-9_-]{0,79}$/, hint: 'a Splunk index name (lowercase letters, digits, _ and -)' },
    help: "splunk-hec: index the events go to (default: the token's default index)",
  },
  {
    key: 'endpoint.fields',
    env: 'RATWATCH_ENDPOINT_FIELDS',
    flag: 'fields',
    type: { kind: 'map', keyPattern: /^[A-Za-z][A-Za-z0-9_]{0,63}$/, reserved: HEC_RESERVED_FIELDS, maxEntries: 32, maxValueLength: 256 },
    help: 'splunk-hec: indexed fields added to every event (name: value; env and flag: name=value,name=value)',
  },
  {
    key: 'endpoint.hecAckWaitMs',
    env: 'RATWATCH_ENDPOINT_HEC_ACK_WAIT_MS',
    flag: 'hec-ack-wait-ms',
    type: { kind: 'int', min: 0, max: 120_000 },
    default: 5_000,
    help: 'splunk-hec with indexer acknowledgment: how long one delivery waits for the ack before leaving the report spooled',
  },
  {
    key: 'endpoint.hecAckTimeoutSeconds',
    env: 'RATWATCH_ENDPOINT_HEC_ACK_TIMEOUT_SECONDS',
    flag: 'hec-ack-timeout-seconds',
    type: { kind: 'int', min: 10, max: 86_400 },
    default: 300,
    help: 'splunk-hec: a report still unacknowledged after this long is sent again',
  },
  { key: 'endpoint.gzip', env: 'RATWATCH_ENDPOINT_GZIP', flag: 'gzip', type: { kind: 'bool' }, default: true, help: 'gzip request bodies' },
  {
    key: 'schedule',
    env: 'RATWATCH_SCHEDULE',
    flag: 'schedule',
    type: { kind: 'cron' },
    default: '0 * * * *',
    help: 'cron expression for daemon scans (default hourly)',
  },
  {
    key: 'jitterSeconds',
    env: 'RATWATCH_JITTER_SECONDS',
    flag: 'jitter-seconds',
    type: { kind: 'int', min: 0, max: 86_400 },
    default: 300,
    help: 'random delay before each scheduled scan',
  },
  {
    key: 'spoolDir',
    env: 'RATWATCH_SPOOL_DIR',
    flag: 'spool-dir',
    type: { kind: 'path' },
    default: defaultSpoolDir(),
    help: 'directory of reports waiting for delivery',
  },
  {
    key: 'spoolMaxFiles',
    env: 'RATWATCH_SPOOL_MAX_FILES',
    flag: 'spool-max-files',
    type: { kind: 'int', min: 10, max: 1_000_000 },
    default: 1000,
    help: 'most reports kept waiting',
  },
  {
    key: 'spoolMaxBytes',
    env: 'RATWATCH_SPOOL_MAX_BYTES',
    flag: 'spool-max-bytes',
    type: { kind: 'int', min: 64 * 1024, max: 64 * 1024 ** 3 },
    default: 64 * 1024 * 1024,
    help: 'most bytes of reports kept waiting',
  },
  {
    key: 'retryBaseSeconds',
    env: 'RATWATCH_RETRY_BASE_SECONDS',
    flag: 'retry-base-seconds',
    type: { kind: 'number', min: 0.001, max: 86_400 },
    default: 30,
    help: 'first retry delay; doubles per failure',
  },
  {
    key: 'retryMaxSeconds',
    env: 'RATWATCH_RETRY_MAX_SECONDS',
    flag: 'retry-max-seconds',
    type: { kind: 'number', min: 0.001, max: MS_DAY / 1000 },
    default: 3600,
    help: 'longest retry delay, also caps Retry-After',
  },
  {
    key: 'fullStateEvery',
    env: 'RATWATCH_FULL_STATE_EVERY',
    flag: 'full-state-every',
    type: { kind: 'int', min: 1, max: 100_000 },
    default: 24,
    help: 'send the full finding state every N cycles',
  },
  { key: 'policyFile', env: 'RATWATCH_POLICY_FILE', flag: 'policy', type: { kind: 'path' }, help: 'policy file' },
  {
    key: 'agentId',
    env: 'RATWATCH_AGENT_ID',
    flag: 'agent-id',
    type: { kind: 'string', pattern: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, hint: '1-128 letters, digits, . _ : -' },
    help: 'agent id (default: generated and kept in the spool dir)',
  },
];

/** commander's attribute name for a long flag: "endpoint-url" -> "endpointUrl". */
export function flagAttr(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

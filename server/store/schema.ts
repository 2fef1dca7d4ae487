import type { Generated } from 'kysely';

// The tables as Kysely sees them. Times are ISO 8601 UTC strings (toISOString), which sort as text the
// same on SQLite and PostgreSQL; JSON columns are text, opaque to the SQL layer.

export interface SettingsTable {
  key: string;
  value: string;
}

export interface AgentsTable {
  agent_id: string;
  key_hash: string; // sha256 hex of the agent's key; the key itself is never stored
  hostname: string;
  enrolled_at: string;
  revoked_at: string | null;
}

/** Where a host was, as its last report said: in hosts (the latest) and in context_history (each change). */
export interface ContextColumns {
  public_ip: string | null;
  gateway_mac: string | null;
  wifi_ssid: string | null;
  wifi_bssid: string | null;
  timezone: string | null;
  locale: string | null;
  input_methods: string | null; // JSON array
}

export interface HostsTable extends ContextColumns {
  agent_id: string;
  hostname: string;
  os: string;
  os_version: string | null;
  arch: string | null;
  agent_version: string;
  user_name: string | null;
  first_seen: string;
  last_seen: string;
  last_sequence: number;
  expected_interval_s: number;
  status: string; // HostStatus
  privileged: number | null; // 1 / 0 as the last report said, null when it did not say
  open_findings: number;
  open_counts: Generated<string>; // JSON OpenCounts (migrations.ts) of the open findings, kept by ingest
}

export interface ContextHistoryTable extends ContextColumns {
  id: Generated<number>;
  agent_id: string;
  at: string;
}

export interface ReportsTable {
  id: Generated<number>;
  report_id: string;
  agent_id: string;
  sequence: number;
  kind: string;
  schema_version: number;
  sent_at: string;
  received_at: string;
  public_ip: string | null;
  body: string; // the report as received (inflated JSON)
}

export interface FindingsTable {
  id: Generated<number>;
  agent_id: string;
  finding_id: string;
  tool_id: string;
  tool_name: string;
  category: string;
  severity: string;
  status: string;
  state: string | null;
  evidence: string; // JSON array, as the agent sent it
  first_seen: string;
  last_seen: string;
  resolved_at: string | null;
  resolved_reason: string | null;
}

export interface EventsTable {
  id: Generated<number>;
  agent_id: string;
  at: string;
  type: string; // EventType
  detail: string; // JSON object
}

export interface AlertsTable {
  id: Generated<number>;
  rule: string;
  subject: string;
  severity: string;
  title: string;
  explanation: string; // JSON
  agent_ids: string; // JSON array
  status: string; // AlertStatus
  first_seen: string;
  last_seen: string;
  occurrences: number;
  ack_by: string | null;
  ack_at: string | null;
  closed_by: string | null;
  closed_at: string | null;
  notified_at: Generated<string | null>; // set once the alert (new or reopened) was handed to the notifiers
  forwarded_at: Generated<string | null>; // the notified_at value last put in the SIEM outbox
}

export interface UsersTable {
  id: Generated<number>;
  name: string;
  role: string; // Role
  password_hash: string;
  created_at: string;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: string; // JSON
}

export interface JobLeasesTable {
  name: string;
  holder: string;
  lease_until: string;
}

export interface FarmConfigTable {
  id: number; // always 1
  settings: string; // JSON: Partial<FarmSettings> with expectedRegions as an object
  updated_at: string;
}

export interface FarmGroupsTable {
  subject: string;
  severity: string;
  host_count: number;
  body: string; // JSON: FarmGroup
  updated_at: string;
}

export interface NotifiersTable {
  id: Generated<number>;
  name: string;
  config: string; // JSON: NotifierConfig
  created_at: string;
}

/** What the SIEM forwarder still has to deliver (server/siem): one row per sink and event. */
export interface SiemOutboxTable {
  id: Generated<number>;
  sink: string; // the sink's name in the server settings
  event_key: string; // unique per sink: reportId:n for findings, alert:<id>:<notified_at> for alerts
  body: string; // the encoded event, as the sink sends it
  created_at: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  dead_at: string | null; // refused for good (a 4xx other than 408/429): kept for people, not retried
}

/**
 * One notification of an alert to one notifier (jobs/alert-delivery.ts): made when the alert is claimed,
 * kept until the notifier took it or the rounds gave up. While a round sends it, next_attempt_at is the
 * end of that round's hold on it.
 */
export interface AlertNotificationsTable {
  id: Generated<number>;
  alert_id: number;
  notified_at: string; // the alert's claim time: with the alert id, it names the notification
  notifier: string; // the notifier's name
  attempts: number; // sends started (each with the notifier's own in-round retries)
  next_attempt_at: string;
  last_error: string | null;
  delivered_at: string | null;
  gave_up_at: string | null;
}

/** A console session: the cookie's token is never stored, only its sha256 (hex). */
export interface ConsoleSessionsTable {
  token_hash: string;
  user_id: number | null; // null before sign-in (the sign-in form's CSRF token lives here too)
  csrf: string;
  created_at: string;
  last_seen: string;
  expires_at: string; // the earlier of idle and absolute expiry
  flash: string | null; // JSON {ok?, error?}: the last form's outcome, shown once
}

/** One failed console sign-in per key (ip:<address> and u:<lower-case name>). */
export interface LoginFailuresTable {
  id: Generated<number>;
  key: string;
  at: string;
}

export interface DB {
  settings: SettingsTable;
  agents: AgentsTable;
  hosts: HostsTable;
  context_history: ContextHistoryTable;
  reports: ReportsTable;
  findings: FindingsTable;
  events: EventsTable;
  alerts: AlertsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  job_leases: JobLeasesTable;
  farm_config: FarmConfigTable;
  farm_groups: FarmGroupsTable;
  notifiers: NotifiersTable;
  siem_outbox: SiemOutboxTable;
  alert_notifications: AlertNotificationsTable;
  console_sessions: ConsoleSessionsTable;
  login_failures: LoginFailuresTable;
}

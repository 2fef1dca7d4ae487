import type { HostContext } from '../../agent/model.ts';
import type { IngestItem, IngestOutcome } from '../ingest/report-types.ts';
import type { AlertStatus, EventType, HostStatus, Role } from '../vocabulary.ts';
import type { Dialect } from './open.ts';

// The one interface the server's ingest, jobs and API talk to (Fleet's Datastore pattern): they never
// see SQL. SqlStore implements it on SQLite and PostgreSQL; the same test suite runs on both.

export interface HostRow {
  agentId: string;
  hostname: string;
  os: string;
  osVersion: string | null;
  arch: string | null;
  agentVersion: string;
  user: string | null;
  firstSeen: string;
  lastSeen: string;
  lastSequence: number;
  expectedIntervalS: number;
  status: HostStatus;
  privileged: boolean | null;
  publicIp: string | null;
  context: HostContext;
  openFindings: number;
}

export interface FindingRow {
  agentId: string;
  hostname?: string;
  findingId: string;
  tool: { id: string; name: string; category: string };
  severity: string;
  status: string;
  state: string | null;
  evidence: unknown[];
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
  resolvedReason: string | null;
}

export interface EventRow {
  agentId: string;
  at: string;
  type: EventType;
  detail: Record<string, unknown>;
}

export interface ContextRow extends HostContext {
  at: string;
  publicIp: string | null;
}

/** What a rule (core or farm) wants raised; deduplicated on (rule, subject). */
export interface AlertInput {
  rule: string;
  subject: string;
  severity: string;
  title: string;
  explanation: unknown;
  agentIds: string[];
}

export interface AlertRow extends AlertInput {
  id: number;
  status: AlertStatus;
  firstSeen: string;
  lastSeen: string;
  occurrences: number;
  ackBy: string | null;
  ackAt: string | null;
  closedBy: string | null;
  closedAt: string | null;
}

/** The structural twin of server/farm's HostSnapshot, built from stored state. */
export interface HostSnapshotRow {
  agentId: string;
  hostname: string;
  user?: string;
  os: string;
  seenAt: string;
  publicIp?: string;
  context: HostContext;
  contextHistory: Array<HostContext & { at: string; publicIp?: string }>;
  findings: Array<{ toolId: string; toolName: string; category: string; severity: string; state?: string }>;
}

export interface NetworkGroup {
  kind: 'public-ip' | 'gateway-mac' | 'wifi-bssid';
  value: string;
  hostCount: number;
  agentIds: string[];
}

export interface HostFilter {
  status?: string | undefined;
  os?: string | undefined;
  q?: string | undefined;
  limit: number;
  offset: number;
}
export interface FindingFilter {
  agentId?: string | undefined;
  severity?: string | undefined;
  category?: string | undefined;
  toolId?: string | undefined;
  open?: boolean | undefined;
  limit: number;
  offset: number;
}
export interface AlertFilter {
  status?: string | undefined;
  rule?: string | undefined;
  limit: number;
  offset: number;
}

export interface Overview {
  hosts: Record<HostStatus, number> & { total: number };
  openFindings: Record<string, number>; // by severity
  openFindingsByCategory: Record<string, number>;
  alerts: Record<AlertStatus, number>;
}

export interface UserRow {
  id: number;
  name: string;
  role: Role;
  passwordHash: string;
}
export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
}

export interface LivenessChange {
  agentId: string;
  hostname: string;
  to: HostStatus;
  lastSeen: string;
}

/** A group the last farm round found (server/farm's FarmGroup as stored). */
export interface FarmGroupRow {
  subject: string;
  severity: string;
  hostCount: number;
  group: unknown;
  updatedAt: string;
}
/** A notifier managed in the console (server/notify's NotifierConfig as stored). */
export interface NotifierRow {
  id: number;
  name: string;
  config: unknown;
  createdAt: string;
}

/** The console's host list: every filter of its form (all optional, combined with AND). */
export interface ConsoleHostFilter {
  q?: string | undefined;
  toolId?: string | undefined;
  minSeverity?: string | undefined;
  status?: string | undefined;
  os?: string | undefined;
  user?: string | undefined;
  lastSeenAfter?: string | undefined;
  lastSeenBefore?: string | undefined;
}
export interface ConsoleHostSort {
  key: 'hostname' | 'user' | 'os' | 'status' | 'severity' | 'findings' | 'lastSeen';
  dir: 'asc' | 'desc';
}
export interface ConsoleHostRow extends HostRow {
  maxSeverity: string | null;
  tools: string[];
}
export interface ToolSummaryRow {
  toolId: string;
  toolName: string;
  category: string;
  maxSeverity: string;
  hostCount: number;
  firstSeen: string;
  hosts: { agentId: string; hostname: string }[];
}
export interface AgentKeyRow {
  agentId: string;
  hostname: string;
  enrolledAt: string;
  lastUsed: string | null;
  revokedAt: string | null;
}
export interface ApiTokenRow {
  id: number;
  name: string;
  user: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
}
export interface UserSummaryRow {
  id: number;
  name: string;
  role: Role;
  createdAt: string;
}
/** An event encoded for one SIEM sink, on its way into the outbox. */
export interface OutboxInsert {
  sink: string;
  key: string;
  body: string;
}
/** One SIEM sink's outbox as GET /api/siem shows it: now (waiting, dead) and ever (delivered, dropped). */
export interface SiemSinkCounts {
  waiting: number; // queued, to be sent (again)
  dead: number; // refused for good by the sink, kept with the error
  delivered: number; // taken by the sink (2xx, with HEC ack when on), ever
  dropped: number; // dropped from a full outbox (the oldest), ever
  oldestWaitingAt: string | null; // when the oldest waiting event was queued: how far behind the SIEM is
}

export interface OutboxRow {
  id: number;
  sink: string;
  key: string;
  body: string;
  attempts: number;
  createdAt: string;
  lastError: string | null;
}
/** One notification of an alert to one notifier (store/alert-notify-tx.ts, jobs/alert-delivery.ts). */
export interface AlertNotificationRow {
  id: number;
  alertId: number;
  notifiedAt: string; // the alert's claim time; the notification id is alert:<alertId>:<notifiedAt>
  notifier: string;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  deliveredAt: string | null;
  gaveUpAt: string | null;
}
/** One notifier's notifications as GET /api/notifications shows them: now (waiting) and ever (delivered, gave up). */
export interface NotifierCounts {
  waiting: number; // not yet taken, to be tried again
  delivered: number; // taken by the notifier's sink, ever
  gaveUp: number; // not taken before the notifier's giveUpAfterMs, ever (the rows stay until retention)
  oldestWaitingAt: string | null; // the claim time of the oldest waiting notification
}
/** What the SIEM forwarder has not yet put in its outbox (store/delivery-tx.ts). */
export interface SiemBacklog {
  cursor: number;
  nextCursor: number;
  reports: string[]; // stored report bodies (JSON) with findings news, oldest first
  alerts: Array<AlertRow & { notifiedAt: string }>;
}

/** A console session as stored, with its user as the users table has it now. */
export interface SessionRow {
  tokenHash: string;
  user?: { id: number; name: string; role: Role } | undefined;
  csrf: string;
  createdAt: string;
  lastSeen: string;
  flash?: { ok?: string; error?: string } | undefined;
}

export interface Store {
  readonly dialect: Dialect;
  close(): Promise<void>;

  /** Returns the stored value, storing `value` first when the key had none (first instance wins). */
  settingOrInit(key: string, value: string): Promise<string>;

  enrollAgent(a: { agentId: string; keyHash: string; hostname: string; at: string }): Promise<void>;
  agentByKeyHash(keyHash: string): Promise<{ agentId: string; revoked: boolean } | undefined>;
  revokeAgent(agentId: string, at: string): Promise<boolean>;

  /**
   * Commits every item in one transaction (group commit): answers may be sent once this resolves. The one
   * authority on duplicates: an item whose report id is stored already, or earlier in `items`, is 'duplicate'.
   * `onCommitted` is called when the transaction is committed but not yet durable (SQLite: before the log's
   * fsync); the next group commit may be applied from then on. Stores whose commit is durable once it returns
   * (PostgreSQL) do not call it.
   */
  ingest(items: IngestItem[], defaultIntervalS: number, onCommitted?: () => void): Promise<IngestOutcome[]>;
  recordEvent(e: EventRow): Promise<void>;

  /** Moves hosts to offline / silent; returns the hosts whose status changed. */
  updateLiveness(now: Date): Promise<LivenessChange[]>;
  upsertAlert(a: AlertInput, at: string): Promise<{ id: number; created: boolean }>;
  /** Sets the state (and who/when); with `from`, only if the alert is in that state now (false otherwise). */
  setAlertStatus(id: number, status: AlertStatus, actor: string, at: string, from?: AlertStatus): Promise<boolean>;
  /** Current state for the farm rules: hosts seen since `since`, with context history and open findings. */
  hostSnapshots(since: string): Promise<HostSnapshotRow[]>;
  purgeBefore(cutoff: string): Promise<{ reports: number; events: number; contextHistory: number; alertNotifications: number }>;
  /** A leased job row: true when this holder may run `name` now (at most one holder until `until`). */
  tryLease(name: string, holder: string, now: string, until: string): Promise<boolean>;

  listHosts(f: HostFilter): Promise<HostRow[]>;
  getHost(agentId: string): Promise<HostRow | undefined>;
  listFindings(f: FindingFilter): Promise<FindingRow[]>;
  timeline(agentId: string, limit: number): Promise<EventRow[]>;
  contextHistory(agentId: string, limit: number): Promise<ContextRow[]>;
  listAlerts(f: AlertFilter): Promise<AlertRow[]>;
  networkGroups(since: string, minHosts: number): Promise<NetworkGroup[]>;
  overview(): Promise<Overview>;
  countReports(): Promise<number>;
  /** The stored reports of one agent, newest first (metadata, not bodies). */
  listReports(
    agentId: string,
    limit: number,
  ): Promise<Array<{ reportId: string; sequence: number; kind: string; receivedAt: string; publicIp: string | null }>>;

  countUsers(): Promise<number>;
  createUser(u: { name: string; role: Role; passwordHash: string; at: string }): Promise<number>;
  userByName(name: string): Promise<UserRow | undefined>;
  createApiToken(t: { userId: number; name: string; tokenHash: string; at: string }): Promise<void>;
  userByTokenHash(tokenHash: string): Promise<UserRow | undefined>;
  audit(e: AuditEntry): Promise<void>;

  /** Farm settings as JSON; `json` is stored first when there are none. */
  farmSettingsOrInit(json: string, at: string): Promise<string>;
  setFarmSettings(json: string, at: string): Promise<void>;
  replaceFarmGroups(groups: Array<{ subject: string; severity: string; hostCount: number; body: unknown }>, at: string): Promise<void>;
  listFarmGroups(limit: number): Promise<FarmGroupRow[]>;
  listNotifiers(): Promise<NotifierRow[]>;
  putNotifier(name: string, config: unknown, at: string): Promise<void>;
  deleteNotifier(name: string): Promise<boolean>;
  /** True for exactly one caller per open, not yet notified alert (new or reopened). */
  /** The CAS on alerts.notified_at; the claimer also gets one notification row per named notifier (same transaction). */
  claimAlertNotification(id: number, at: string, notifiers?: string[]): Promise<boolean>;
  /** Notifications of these notifiers (any when undefined) due at `now` (not taken, not given up), oldest first, with their alert as it is now. */
  alertNotificationsDue(
    notifiers: string[] | undefined,
    now: string,
    limit: number,
  ): Promise<Array<AlertNotificationRow & { alert: AlertRow }>>;
  /** Takes a due notification until `until` (a compare-and-set on its due time): true for exactly one caller. */
  takeAlertNotification(id: number, dueAt: string, until: string): Promise<boolean>;
  alertNotificationDelivered(id: number, at: string): Promise<void>;
  /** Not taken: due again at `nextAttemptAt`, or never again when `gaveUp` (counted); with `dueAt`, only if still due then. */
  alertNotificationFailed(
    id: number,
    o: { nextAttemptAt: string; error: string; gaveUp: boolean; at: string; dueAt?: string },
  ): Promise<void>;
  /** Gives up the waiting notifications claimed before `before` of notifiers not in `configured` (removed since); returns them. */
  alertNotificationsOrphaned(configured: string[], before: string, at: string): Promise<AlertNotificationRow[]>;
  /** The notifications of these alerts (at most 500), oldest first. */
  alertNotifications(alertIds: number[]): Promise<AlertNotificationRow[]>;
  alertNotificationCounts(): Promise<Record<string, NotifierCounts>>;
  listAudit(limit: number): Promise<AuditEntry[]>;

  // The console's reads and administration (console-queries.ts, console-admin.ts).
  consoleHosts(
    f: ConsoleHostFilter,
    sort: ConsoleHostSort,
    page: { offset: number; limit: number; count?: boolean }, // count false: total -1, not counted
  ): Promise<{ total: number; rows: ConsoleHostRow[] }>;
  hostsByMaxSeverity(): Promise<Record<string, number>>;
  overviewCounts(): Promise<{
    hosts: Record<string, number>;
    alerts: Record<string, number>;
    openAlertsBySeverity: Record<string, number>;
    groupsBySeverity: Record<string, number>;
  }>;
  toolSummaries(hostsPerTool: number, maxTools?: number): Promise<ToolSummaryRow[]>;
  hostFacets(cap: number): Promise<{ os: string[]; users: string[]; tools: { toolId: string; toolName: string }[] }>;
  dailyTrend(now: Date, days: number): Promise<Array<{ day: string; findings: number; silent: number }>>;
  alertState(id: number): Promise<{ status: string; rule: string; subject: string } | undefined>;
  agentKeys(limit: number, agentId?: string): Promise<{ total: number; rows: AgentKeyRow[] }>;
  listUsers(): Promise<UserSummaryRow[]>;
  setUserRole(name: string, role: Role): Promise<boolean>;
  deleteUser(name: string): Promise<boolean>;
  countAdmins(): Promise<number>;
  listApiTokens(limit: number): Promise<ApiTokenRow[]>;
  revokeApiToken(id: number, at: string): Promise<ApiTokenRow | undefined>;
  /** Stores a setting, replacing its value (settingOrInit never replaces). */
  putSetting(key: string, value: string): Promise<void>;
  /** Open alerts not yet handed to the notifiers (liveness, tamper, and any other), oldest first. */
  alertsToNotify(limit: number): Promise<AlertRow[]>;
  /** Forwarding starts with the reports stored from now on (called at start when SIEM sinks are configured). */
  siemStart(): Promise<void>;
  siemBacklog(settledBefore: string, limit: number): Promise<SiemBacklog>;
  siemEnqueue(o: {
    items: OutboxInsert[];
    cursor: number;
    nextCursor: number;
    alerts: Array<{ id: number; notifiedAt: string }>;
    at: string;
  }): Promise<number>;
  siemDue(sink: string, now: string, limit: number): Promise<OutboxRow[]>;
  siemDelivered(ids: number[]): Promise<void>;
  siemFailed(ids: number[], o: { nextAttemptAt: string; error: string; dead: boolean; at: string }): Promise<void>;
  siemCounts(): Promise<Record<string, SiemSinkCounts>>;
  /** Drops the oldest events of `sink` beyond `max` (counted in siemCounts' dropped); returns how many. */
  siemTrim(sink: string, max: number): Promise<number>;

  // Console sessions and failed sign-ins (sessions-tx.ts), shared by every instance on the database.
  /** The live session (not expired at `now`) with its user's current name and role; undefined once the user is deleted. */
  sessionGet(tokenHash: string, now: string): Promise<SessionRow | undefined>;
  sessionPut(s: {
    tokenHash: string;
    userId: number | null;
    csrf: string;
    createdAt: string;
    lastSeen: string;
    expiresAt: string;
    flash?: unknown;
  }): Promise<void>;
  sessionDelete(tokenHash: string): Promise<void>;
  /** Deletes expired sessions and failed sign-ins before `failuresBefore`; returns the sessions deleted. */
  purgeSessions(now: string, failuresBefore: string): Promise<number>;
  loginFailures(keys: string[], since: string): Promise<Array<{ key: string; at: string }>>;
  recordLoginFailure(keys: string[], at: string, prune: string): Promise<void>;
  clearLoginFailures(key: string): Promise<void>;
}

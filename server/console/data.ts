// What the console reads and writes, as plain data. The server implements ConsoleData on its store; the
// console never sees SQL, sessions of agents or the ingest path. Every string that came from an agent
// (host names, users, evidence fields, network values) is untrusted: the pages escape it (html.ts).
// Names follow the server's: agentId, hostname, firstSeen/lastSeen, and the farm rules' FarmGroup,
// SharedNetwork, GroupHost and AlertExplanation (server/farm/types.ts), which fit these shapes as they are.
import type { Category, HostContext, Severity } from '../../agent/model.ts';

import { ALERT_STATUSES, HOST_STATUSES, ROLES, type AlertStatus, type HostStatus, type Role } from '../vocabulary.ts';

/** online: reported within 3 expected intervals; offline: missed 3; silent: nothing for 24 h or more. */
export { ALERT_STATUSES, HOST_STATUSES, ROLES, type AlertStatus, type HostStatus, type Role };

/** Outcome of a write: a refused input says why in one line, which the page shows as it is (escaped). */
export type WriteResult = { ok: true; message?: string } | { ok: false; error: string };

/** Structured evidence as the agent sent it: a type and its fields (agent/model.ts Evidence). */
export interface EvidenceData {
  type: string;
  [field: string]: unknown;
}

export interface HostFilter {
  q?: string | undefined; // substring of host name, user or agent id
  toolId?: string | undefined;
  minSeverity?: Severity | undefined; // hosts with a current finding at least this severe
  status?: HostStatus | undefined;
  os?: string | undefined;
  user?: string | undefined; // exact user
  lastSeenAfter?: string | undefined; // ISO 8601
  lastSeenBefore?: string | undefined; // ISO 8601
}

export const HOST_SORT_KEYS = ['hostname', 'user', 'os', 'status', 'severity', 'findings', 'lastSeen'] as const;
export type HostSortKey = (typeof HOST_SORT_KEYS)[number];
export interface HostSort {
  key: HostSortKey;
  dir: 'asc' | 'desc';
}
export interface Page {
  offset: number;
  limit: number;
  /** false: the total is not counted and comes back as -1 (a CSV export pages through rows it never counts). */
  count?: boolean;
}

/** A host in lists; the server's store HostRow plus the two columns lists show (maxSeverity, tools). */
export interface HostRow {
  agentId: string;
  hostname: string;
  os: string;
  osVersion?: string | null;
  user?: string | null;
  agentVersion?: string | null;
  status: HostStatus;
  firstSeen: string;
  lastSeen: string;
  publicIp?: string | null;
  openFindings: number; // current findings (status "finding", not resolved)
  maxSeverity?: Severity | null;
  tools: string[]; // names of the tools of the current findings
}

/** A finding of one host, as the server's store FindingRow holds it. */
export interface HostFinding {
  findingId: string; // the agent's stable finding id
  tool: { id: string; name: string; category: Category | string };
  severity: Severity | string;
  state?: string | null; // running, listening, configured, installed
  firstSeen: string;
  lastSeen: string;
  resolvedAt?: string | null;
  resolvedReason?: string | null;
  evidence: unknown[]; // EvidenceData items; anything else is shown as text
}

/**
 * One entry of a host's timeline, as the server's store EventRow holds it: a type from server/vocabulary.ts
 * EVENT_TYPES (finding-new, finding-resolved, context-changed, sequence-gap, agent-downgrade, ...) and its
 * detail. The page words the known types and lists the detail of any other.
 */
export interface TimelineEvent {
  at: string;
  type: string;
  detail: Record<string, unknown>;
}

export interface HostDetail extends HostRow {
  expectedIntervalS?: number;
  arch?: string | null;
  privileged?: boolean | null; // the last scan ran as root / Administrator
  context: HostContext; // the last report's
  findings: HostFinding[]; // current and recently resolved
  timeline: TimelineEvent[]; // newest first
  groups: string[]; // subjects of the farm groups it belongs to
  keyRevokedAt?: string | null; // its agent key was revoked: its reports are refused
}

export interface TrendPoint {
  day: string; // YYYY-MM-DD
  findings: number; // open findings that day
  silent: number; // silent hosts that day
}

export interface ToolSummary {
  toolId: string;
  toolName: string;
  category: Category | string;
  maxSeverity: Severity;
  hostCount: number;
  hosts: { agentId: string; hostname: string }[]; // up to a server-chosen cap
  firstSeen: string; // first time any host had it
}

export interface SharedNetwork {
  kind: 'gateway-mac' | 'wifi-bssid' | 'public-ip' | string;
  value: string;
  hostCount: number;
  userCount: number; // distinct users; each host without a user counts as one
  agentIds: string[]; // possibly capped: hostCount says how many
}
export interface GroupHost {
  agentId: string;
  hostname: string;
  user?: string;
  remoteAccess: { toolId: string; toolName: string; category: Category | string; severity: Severity }[];
}
/** One suspected laptop farm (server/farm FarmGroup). */
export interface FarmGroup {
  subject: string;
  severity: Severity;
  rules: string[]; // shared-network, shared-public-ip, remote-access-in-group, region-mismatch
  networks: SharedNetwork[];
  hosts: GroupHost[]; // possibly capped: hostCount says how many
  hostCount: number;
  agentIds: string[];
  distinctUsers: number;
}

/** An alert as the server's store AlertRow holds it. */
export interface Alert {
  id: string | number;
  rule: string;
  subject: string;
  severity: Severity | string;
  title: string; // may hold agent values: escaped when shown
  status: AlertStatus;
  firstSeen: string;
  lastSeen: string;
  occurrences?: number;
  agentIds: string[];
  ackBy?: string | null;
  ackAt?: string | null;
  closedBy?: string | null;
  closedAt?: string | null;
  /** The rule's evidence (server/farm AlertExplanation, or a core rule's detail); shown field by field, never parsed. */
  explanation?: unknown;
  /** Its latest notification's notifiers that have not taken it: still tried, or given up (notify/README.md). */
  undelivered?: Array<{ notifier: string; gaveUp: boolean; nextAttemptAt: string; lastError: string | null }>;
}

export interface Overview {
  hosts: { total: number; online: number; offline: number; silent: number };
  /** Hosts whose most severe current finding has this severity. */
  hostsBySeverity: Record<Severity, number>;
  topTools: { toolId: string; toolName: string; category: Category | string; hosts: number }[];
  alerts: { open: number; acknowledged: number; openBySeverity: Record<Severity, number> };
  groups: { total: number; bySeverity: Record<Severity, number> };
  trend: TrendPoint[]; // 30 days, oldest first
}

export interface EnrollmentSecret {
  id: string;
  label: string;
  createdAt: string;
  createdBy: string;
  revokedAt?: string;
  hint: string; // last characters, never the secret
}
export interface AgentKey {
  agentId: string;
  hostname: string;
  enrolledAt: string;
  lastUsed?: string | undefined;
  revokedAt?: string | undefined;
}

export type OfficeNetworkKind = 'cidr' | 'gateway-mac' | 'bssid' | 'vpn-egress';
export const OFFICE_NETWORK_KINDS: readonly OfficeNetworkKind[] = ['cidr', 'gateway-mac', 'bssid', 'vpn-egress'];
export interface OfficeNetwork {
  id: string;
  kind: OfficeNetworkKind;
  value: string;
  note?: string | undefined;
  addedBy: string;
  addedAt: string;
}

/** One row of the expected-regions CSV: user -> countries and/or time zones (server/farm ExpectedRegion). */
export interface ExpectedRegionRow {
  user: string;
  countries: string[];
  timezones: string[];
}

export type NotifierKind = 'webhook' | 'slack' | 'email';
export const NOTIFIER_KINDS: readonly NotifierKind[] = ['webhook', 'slack', 'email'];
export interface Notifier {
  id: string;
  kind: NotifierKind;
  name: string;
  target: string; // URL or mail address; secrets are never returned
  enabled: boolean;
}

export interface ConsoleUser {
  name: string;
  role: Role;
  id?: number | undefined; // the users row, when the server's store verified the sign-in
}
export interface UserSummary extends ConsoleUser {
  createdAt?: string;
  lastLogin?: string | null;
}

export interface Retention {
  reportDays: number;
}

/** A person's API token (the token itself is shown once, when created). */
export interface ApiToken {
  id: string;
  name: string;
  user: string;
  role: Role;
  createdAt: string;
  revokedAt?: string | null;
}

/** One admin action as the audit log keeps it. */
export interface AuditRecord {
  at: string;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
}

/** What the agent config page shows when no agent reported yet. */
export interface AgentSetup {
  serverUrl: string;
  caFile?: string | undefined;
  caFingerprint?: string | undefined;
  config: string; // the exact agent config to deploy (YAML), secret included only for admins
}

export interface ConsoleData {
  overview(now: Date): Promise<Overview>;
  listHosts(filter: HostFilter, sort: HostSort, page: Page): Promise<{ total: number; rows: HostRow[] }>;
  host(agentId: string): Promise<HostDetail | undefined>;
  /** Values for the host filters' drop-downs; users may be capped (they are suggestions, any user can be typed). */
  hostFacets(): Promise<{ os: string[]; users: string[]; tools: { toolId: string; toolName: string }[] }>;
  tools(): Promise<ToolSummary[]>;
  groups(): Promise<FarmGroup[]>;
  alerts(filter: { status?: AlertStatus | undefined }): Promise<Alert[]>;
  /** Moves an alert as `by` (server/alerts/status.ts: which moves, who, the audit entry). */
  moveAlert(id: string, to: AlertStatus, by: { name: string; role: Role }, note?: string): Promise<WriteResult>;

  agentSetup(role: Role): Promise<AgentSetup>;
  enrollmentSecrets(): Promise<EnrollmentSecret[]>;
  /** The message of a successful result carries the new secret: shown once. */
  createEnrollmentSecret(label: string, by: string): Promise<WriteResult>;
  revokeEnrollmentSecret(id: string, by: string): Promise<WriteResult>;
  /** The most recently enrolled first, at most `limit`; total counts them all. */
  agentKeys(limit: number): Promise<{ total: number; rows: AgentKey[] }>;
  revokeAgentKey(agentId: string, by: string): Promise<WriteResult>;

  officeNetworks(): Promise<OfficeNetwork[]>;
  addOfficeNetwork(n: { kind: OfficeNetworkKind; value: string; note?: string | undefined }, by: string): Promise<WriteResult>;
  removeOfficeNetwork(id: string, by: string): Promise<WriteResult>;

  expectedRegions(): Promise<ExpectedRegionRow[]>;
  /** Replaces the whole table (the CSV is the source of truth). */
  replaceExpectedRegions(rows: ExpectedRegionRow[], by: string): Promise<WriteResult>;

  notifiers(): Promise<Notifier[]>;
  addNotifier(n: { kind: NotifierKind; name: string; target: string; secret?: string | undefined }, by: string): Promise<WriteResult>;
  removeNotifier(id: string, by: string): Promise<WriteResult>;
  testNotifier(id: string, by: string): Promise<WriteResult>;

  users(): Promise<UserSummary[]>;
  /** The store hashes the password (scrypt); the console never keeps it. */
  createUser(u: { name: string; role: Role; password: string }, by: string): Promise<WriteResult>;
  setUserRole(name: string, role: Role, by: string): Promise<WriteResult>;
  deleteUser(name: string, by: string): Promise<WriteResult>;

  retention(): Promise<Retention>;
  setRetention(r: Retention, by: string): Promise<WriteResult>;

  /** Runs the laptop-farm correlation now (after settings changed, or to see new reports at once). */
  evaluateGroups(by: string): Promise<WriteResult>;

  apiTokens(): Promise<ApiToken[]>;
  /** The message of a successful result carries the new token: shown once. */
  createApiToken(t: { user: string; name: string }, by: string): Promise<WriteResult>;
  revokeApiToken(id: string, by: string): Promise<WriteResult>;
  /** The newest first. */
  auditLog(limit: number): Promise<AuditRecord[]>;
}

/** Checks a login; the server implements it on its users table (scrypt). */
export interface ConsoleAuthenticator {
  verify(name: string, password: string): Promise<ConsoleUser | undefined>;
}

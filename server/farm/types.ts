// The contract between the server core and the laptop-farm correlation: the core builds one HostSnapshot
// per agent from its stored state, evaluateFarms answers with groups and alert drafts. Nothing here does I/O.
import type { Category, HostContext, OsName, Severity } from '../../agent/model.ts';

/** One observation of a host's network and locale context, as the server recorded it at `at`. */
export interface ContextObservation extends HostContext {
  at: string; // ISO 8601
  publicIp?: string | undefined; // as the server saw the report's client address
}

/** A current finding on the host (status "finding" in the agent's terms). */
export interface HostFinding {
  toolId: string;
  toolName: string;
  category: Category;
  severity: Severity;
  /** The server's lifecycle state; 'resolved'/'closed' findings are ignored, anything else counts. */
  state?: string;
}

export interface HostSnapshot {
  agentId: string;
  hostname: string;
  user?: string | undefined;
  os: OsName | string;
  seenAt: string; // ISO 8601, the last report
  publicIp?: string | undefined; // the last report's public IP
  context: HostContext; // the last report's context
  contextHistory?: ContextObservation[]; // earlier observations; those outside the window are ignored
  findings: HostFinding[];
}

export interface ExpectedRegion {
  countries?: string[]; // ISO 3166 alpha-2, upper case
  timezones?: string[]; // IANA names
}

export interface OfficeNetworks {
  cidrs: string[]; // public ranges of offices, IPv4 or IPv6 ("203.0.113.0/24", "2001:db8::/48", or a bare address)
  gatewayMacs: string[];
  bssids: string[];
}

export interface FarmSettings {
  windowHours: number; // observations older than this (relative to `now`) are ignored; default 24
  macHighMin: number; // distinct users sharing a gateway MAC / BSSID for a high alert; default 2
  macCriticalMin: number; // ... for a critical alert; default 3
  publicIpMin: number; // hosts sharing one public IP (IPv6: one /ipv6PrefixLength) for a medium alert; default 3
  ipv6PrefixLength: number; // a home network gets one /64, each laptop its own address in it; default 64
  office: OfficeNetworks;
  vpnEgressIps: string[]; // addresses or CIDRs of the company VPN's exits
  /** user (as normalizeUser spells it) -> where that user is expected to work. */
  expectedRegions: Record<string, ExpectedRegion> | Map<string, ExpectedRegion>;
  /** Applies to users without their own row (e.g. the company's countries); none = no region checks for them. */
  defaultRegion?: ExpectedRegion | undefined;
}

export type NetworkKind = 'gateway-mac' | 'wifi-bssid' | 'public-ip';

export type FarmRule =
  | 'shared-network' // gateway MAC or BSSID on hosts of several users
  | 'shared-public-ip' // one public IP (or IPv6 prefix) on several hosts
  | 'remote-access-in-group' // a remote-access / tunnel / IP-KVM finding on a host of a group
  | 'region-mismatch'; // timezone, locale or input method outside the user's expected region

/** One shared network value and the hosts seen on it within the window. */
export interface SharedNetwork {
  kind: NetworkKind;
  value: string; // normalised MAC, IPv4 address, or IPv6 prefix ("2001:db8:1:2:0:0:0:0/64")
  hostCount: number;
  userCount: number; // distinct normalised users; each host without a user counts as one more
  agentIds: string[]; // sorted, at most MAX_LISTED (see evaluate.ts); hostCount says how many in all
}

export interface GroupHost {
  agentId: string;
  hostname: string;
  user?: string;
  remoteAccess: { toolId: string; toolName: string; category: Category; severity: Severity }[];
}

/** Hosts tied together by shared networks: one suspected farm. */
export interface FarmGroup {
  subject: string; // stable dedupe key: "farm:<kind>:<value>" of the group's first network (see evaluate.ts)
  severity: Severity;
  rules: FarmRule[]; // which rules contributed
  networks: SharedNetwork[];
  hosts: GroupHost[]; // at most MAX_LISTED, those with remote access first; hostCount says how many in all
  hostCount: number;
  agentIds: string[]; // every host of the group, sorted
  distinctUsers: number;
}

export interface RegionMismatch {
  field: 'timezone' | 'locale' | 'input-method';
  value: string;
  country?: string | undefined; // the country the value points to
  expected: ExpectedRegion;
  always?: boolean; // critical whatever the user's expected region (Asia/Pyongyang, ko-KP)
  severity: Severity;
}

export interface Thresholds {
  windowHours: number;
  macHighMin: number;
  macCriticalMin: number;
  publicIpMin: number;
}

/** The evidence of an alert as data; notifiers and the UI render it, nothing parses `title`. */
export type AlertExplanation =
  | {
      kind: 'farm';
      rules: FarmRule[];
      distinctUsers: number;
      networks: SharedNetwork[];
      hosts: GroupHost[];
      hostCount: number;
      thresholds: Thresholds;
      window: { from: string; to: string };
    }
  | {
      kind: 'region';
      host: { agentId: string; hostname: string; user?: string };
      mismatches: RegionMismatch[];
    };

export interface AlertDraft {
  rule: 'laptop-farm' | 'region-mismatch';
  subject: string; // dedupe key together with rule
  severity: Severity;
  title: string; // one line, for people; agent-supplied values in it are NOT escaped (notifiers escape)
  explanation: AlertExplanation;
  agentIds: string[];
}

export interface FarmEvaluation {
  groups: FarmGroup[];
  alerts: AlertDraft[];
}

// The contracts every part of ratwatch shares. The JSON Schemas in shared/schemas describe the same
// shapes for people and for other programs; test/unit/shared/schemas/vocabulary.test.ts keeps the two in step.

export type OsName = 'linux' | 'windows' | 'darwin';

/** One collector's outcome, so a scan can say what it looked at and what it could not. */
export interface SourceStatus {
  name: string; // e.g. "linux.processes", "windows.uninstall"
  ok: boolean;
  error?: string; // one line, why it did not run or failed
  absent?: boolean; // not run because its source does not exist here (e.g. rpm on Debian); not a failure
  warnings?: string[]; // ran, but part of it could not be read (one line each)
  count: number; // items it contributed
  durationMs: number;
}

export interface PeMetadata {
  originalFilename?: string | undefined;
  productName?: string;
  companyName?: string;
  fileDescription?: string;
}

/** What a binary on disk is, independent of the name it runs under. */
export interface BinaryIdentity {
  sha256?: string;
  size?: number;
  elfBuildId?: string; // GNU build-id note, hex
  pe?: PeMetadata;
  signer?: string | undefined; // Authenticode subject CN or Apple "Developer ID Application: ..." authority
  teamId?: string; // Apple Team ID
  bundleId?: string; // macOS code-signing identifier / CFBundleIdentifier
}

/** The script an interpreter process (python3.x, node, sh...) runs: what identifies an interpreted server. */
export interface ScriptInfo {
  path?: string; // absolute, links resolved; absent for `python -m module`
  name: string; // as invoked: script basename or module name
  package?: string; // npm / Python package the script lives in (node_modules/<package>/...)
  identity?: BinaryIdentity; // of the script file, not the interpreter
}

export interface ProcessInfo {
  pid: number;
  ppid?: number;
  name: string; // the name the OS reports (may be renamed or hostile)
  exe?: string; // full path of the executable, when readable
  cmdline?: string;
  user?: string;
  identity?: BinaryIdentity;
  script?: ScriptInfo; // Linux: set when the executable is a known interpreter
}

export type PackageSource =
  | 'dpkg'
  | 'rpm'
  | 'snap'
  | 'flatpak'
  | 'desktop' // Linux
  | 'uninstall' // Windows Uninstall registry keys
  | 'app' // macOS .app bundles
  | 'other';

export interface PackageInfo {
  name: string;
  version?: string | undefined;
  source: PackageSource;
  publisher?: string | undefined;
  path?: string; // install location, .desktop file or .app bundle
  exec?: string; // the program a .desktop file / bundle launches (CFBundleExecutable, Exec=)
  bundleId?: string;
  identity?: BinaryIdentity;
}

export type ServiceSource = 'systemd' | 'windows-service' | 'run-key' | 'scheduled-task' | 'launchd' | 'other';

export interface ServiceInfo {
  name: string;
  displayName?: string;
  path?: string; // ImagePath / ExecStart / ProgramArguments[0]
  args?: string;
  /** The program and arguments as written, when path/args differ from them (environment variables expanded, a wrapper such as `sh -c` or `cmd /c` peeled off). */
  pathRaw?: string;
  argsRaw?: string;
  startType?: string; // auto, manual, disabled, boot, RunAtLoad...
  state?: string; // running, stopped, ...
  source: ServiceSource;
  file?: string; // the unit file / plist / registry key it came from
}

export interface SocketInfo {
  proto: 'tcp' | 'udp' | 'tcp6' | 'udp6';
  localAddress: string;
  localPort: number;
  remoteAddress?: string;
  remotePort?: number;
  state: string; // LISTEN, ESTABLISHED, ...
  pid?: number;
  process?: string;
  /** First bytes a loopback-listening TCP socket sent on connect, printable-escaped (e.g. "RFB 003.008"). */
  banner?: string;
  /** A silent listener's answer to the probe's question, recognised: "rdp: negotiation response, PROTOCOL_SSL", "http: server=WebSockify Python/3.11.2". */
  reply?: string;
}

export interface DeviceInfo {
  bus: 'usb' | 'display' | 'hid' | 'other';
  vendorId?: string; // 4 lowercase hex digits
  productId?: string;
  manufacturer?: string;
  product?: string;
  serial?: string;
  name?: string; // display EDID monitor name, HID name
  kind?: 'pointer' | 'keyboard' | 'display' | 'storage' | 'other';
  path?: string | undefined; // where it was read from
}

/** A built-in remote access switch or other host setting, e.g. rdp.enabled = true. */
export interface SettingInfo {
  key: string;
  value: string | number | boolean;
  source: string; // where it was read (registry path, plist, command)
}

/** A file the collector fingerprinted because the catalog names it (reference copy for renamed-binary detection). */
export interface FileInfo {
  path: string;
  identity: BinaryIdentity;
}

/** Facts for fleet-side correlation of many laptops behind one network (laptop farms). */
export interface HostContext {
  timezone?: string;
  locale?: string;
  inputMethods?: string[];
  defaultGatewayMac?: string | undefined;
  wifiSsid?: string;
  wifiBssid?: string;
}

export interface Inventory {
  schema: 'ratwatch.inventory/1';
  host: {
    hostname: string;
    os: OsName;
    osVersion?: string;
    arch?: string;
    collectedAt: string; // ISO 8601
    agentVersion: string;
    /** Who is logged in at the console (collectors/<os>/console-user.ts); absent when nobody is or it cannot be read. */
    user?: string;
  };
  context: HostContext;
  sources: SourceStatus[];
  processes: ProcessInfo[];
  packages: PackageInfo[];
  services: ServiceInfo[];
  sockets: SocketInfo[];
  devices: DeviceInfo[];
  settings: SettingInfo[];
  files: FileInfo[];
}

import type { SCAN_SCHEMA } from './vocabulary.ts';
export type { Category, Severity, FindingState, FindingStatus, Strength } from './vocabulary.ts';
import type { Category, FindingState, FindingStatus, Severity, Strength } from './vocabulary.ts';

// Evidence is data: each item carries the facts it stands on as fields, so the policy, the encoders and
// receivers read them instead of parsing a sentence. Host strings in it are bounded and escaped by the
// engine (agent/text.ts clean()). `strength` says whether the item names the tool by itself (strong) or
// only supports a match made otherwise (corroborating: a shared signer, a port, an install folder file).

/** How a process was tied to the tool. */
export type ProcessMatch =
  | 'name' // its executable name is one of the tool's
  | 'path' // its executable lies in one of the tool's install folders
  | 'hash' // same sha256 as a reference copy of the tool (copyOf)
  | 'build-id' // same ELF build-id as a reference copy (copyOf)
  | 'script' // an interpreter (python3, node...) runs one of the tool's scripts (by name, package or hash)
  | 'name-variant' // its executable name is one of the tool's plus build words ("AnyDeskMSI.exe", "frpc-windows-amd64")
  | 'pe-metadata' // PE OriginalFilename, ProductName, FileDescription or CompanyName
  | 'cmdline' // its command line holds one of the tool's own arguments ("tunnel run --token")
  | 'bundle-id' // macOS code-signing identifier
  | 'team-id' // Apple Team ID
  | 'signer' // Authenticode / Apple signing authority
  | 'banner'; // it owns a listening socket whose protocol banner names the tool

interface EvidenceBase {
  strength: Strength;
}

export interface ProcessEvidence extends EvidenceBase {
  type: 'process';
  pid: number;
  name: string;
  exe?: string | undefined;
  cmdline?: string | undefined;
  user?: string | undefined;
  sha256?: string | undefined;
  buildId?: string | undefined;
  signer?: string | undefined;
  teamId?: string | undefined;
  bundleId?: string | undefined;
  originalFilename?: string | undefined;
  productName?: string | undefined; // PE ProductName
  companyName?: string | undefined; // PE CompanyName
  script?: string | undefined; // the script an interpreter runs (path, else name)
  matchedBy: ProcessMatch;
  /** Recognized by identity (hash, build-id, PE metadata, bundle id) while its name is not the tool's. */
  renamed?: boolean | undefined;
  /** The reference file this process is a byte-identical copy of (hash or build-id match). */
  copyOf?: string | undefined;
}

export interface PackageEvidence extends EvidenceBase {
  type: 'package';
  name: string;
  version?: string | undefined;
  manager: PackageSource;
  path?: string | undefined;
  publisher?: string | undefined;
  bundleId?: string | undefined;
  teamId?: string | undefined;
}

export interface ServiceEvidence extends EvidenceBase {
  type: 'service';
  name: string;
  displayName?: string | undefined;
  manager: ServiceSource; // run-key and scheduled-task are autostarts
  state?: string | undefined;
  startType?: string | undefined;
  path?: string | undefined;
}

export interface SocketEvidence extends EvidenceBase {
  type: 'socket';
  proto: SocketInfo['proto'];
  localAddress: string;
  localPort: number;
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  state: string;
  pid?: number | undefined;
  process?: string | undefined;
}

export interface BannerEvidence extends EvidenceBase {
  type: 'banner';
  proto: SocketInfo['proto'];
  localAddress: string;
  port: number;
  text: string;
  pid?: number | undefined;
  process?: string | undefined;
}

export interface FileEvidence extends EvidenceBase {
  type: 'file';
  path: string;
  sha256?: string;
  buildId?: string;
}

export interface DeviceEvidence extends EvidenceBase {
  type: 'device';
  bus: DeviceInfo['bus'];
  vendorId?: string | undefined;
  productId?: string | undefined;
  name?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  matchedBy: 'usb-id' | 'display-name' | 'pointer';
}

export interface SettingEvidence extends EvidenceBase {
  type: 'setting';
  key: string;
  value: string | number | boolean;
  source: string;
}

export interface CmdlineDomainEvidence extends EvidenceBase {
  type: 'cmdline-domain';
  pid: number;
  process: string;
  host: string; // the host name written in the command line
  domain: string; // the catalog domain it falls under
}

/** A host signal's evidence: another finding it stands on. */
export interface ToolEvidence extends EvidenceBase {
  type: 'tool';
  id: string;
  name: string;
  category: Category;
}

/**
 * Evidence carried over from a version 1 report or scan result (agent/report/upgrade.ts), whose evidence
 * was a sentence. Kept as written, never parsed; the engine never makes it.
 */
export interface LegacyEvidence extends EvidenceBase {
  type: 'legacy';
  kind: string; // the version 1 evidence type ("process-renamed", "path", ...)
  text: string;
}

export type Evidence =
  | ProcessEvidence
  | PackageEvidence
  | ServiceEvidence
  | SocketEvidence
  | BannerEvidence
  | FileEvidence
  | DeviceEvidence
  | SettingEvidence
  | CmdlineDomainEvidence
  | ToolEvidence
  | LegacyEvidence;
export type EvidenceType = Evidence['type'];

export interface Finding {
  id: string; // stable: same tool => same id across scans (signals: same tool set)
  tool: { id: string; name: string; category: Category };
  severity: Severity;
  status: FindingStatus;
  /** How the tool stands on this host, from its strongest evidence (agent/engine/state.ts). */
  state: FindingState;
  reason?: string; // why allowed/suppressed (policy rule)
  attack: string[]; // MITRE ATT&CK technique ids
  evidence: Evidence[];
}

/** What one scan concluded; the CLI prints it and the transport wraps it into reports. */
export interface ScanResult {
  schema: typeof SCAN_SCHEMA;
  scanId: string; // uuid
  host: Inventory['host'];
  context: HostContext;
  sources: SourceStatus[];
  counts: { processes: number; packages: number; services: number; sockets: number; devices: number; settings: number };
  catalog: { tools: number; generatedAt: string };
  findings: Finding[]; // status "finding", "allowed" and "suppressed" alike; consumers filter
  /** Live scans: false when not run as root/admin, so other users' paths, hashes and socket owners are missing. */
  privileged?: boolean;
}

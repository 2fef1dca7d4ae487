import type {
  DeviceInfo,
  FileInfo,
  HostContext,
  OsName,
  PackageInfo,
  ProcessInfo,
  ServiceInfo,
  SettingInfo,
  SocketInfo,
} from '../model.ts';
import type { Runner } from '../runner.ts';

/** What the catalog tells collectors to look at beyond the usual sources (reference binaries for renamed-copy detection). */
export interface CollectHints {
  /** Executable basenames the catalog knows for this OS, lowercase. */
  executableNames: string[];
  /** Script basenames of interpreted servers (catalog `scripts`), lowercase: reference copies to fingerprint too. */
  scriptNames?: string[];
  /** Absolute install folders the catalog names for this OS (e.g. /usr/local/mesh_services): searched for reference copies. */
  installDirs?: string[];
}

export interface CollectorContext {
  runner: Runner;
  hints: CollectHints;
  /** Set by the scan for --no-probe; collectors that open sockets (banner checks) must honour it. */
  allowProbes: boolean;
}

/** The part of an inventory one collector contributes. */
export interface InventoryPart {
  processes?: ProcessInfo[];
  packages?: PackageInfo[];
  services?: ServiceInfo[];
  sockets?: SocketInfo[];
  devices?: DeviceInfo[];
  settings?: SettingInfo[];
  files?: FileInfo[];
  context?: HostContext;
}

/** A collector's answer: its part of the inventory, and what it could not read although it ran. */
export type CollectorResult = InventoryPart & {
  warnings?: string[];
  /** The console user (the host's `user` in reports): the person at the keyboard and screen. */
  consoleUser?: string;
};

export interface Collector {
  /** "<os>.<source>", e.g. "linux.processes"; shows up in the inventory's sources list. */
  name: string;
  collect(ctx: CollectorContext): Promise<CollectorResult>;
}

/** Collectors that run after the others and see what they found (e.g. banner probes on listening sockets, hashing process binaries). */
export interface Enricher {
  name: string;
  enrich(ctx: CollectorContext, inv: Required<InventoryPart>): Promise<void>;
}

export interface Platform {
  os: OsName;
  collectors: Collector[];
  enrichers: Enricher[];
}

/**
 * Thrown by a collector whose source does not exist on this machine (rpm on Debian, no DRM devices on a
 * server): the scan lists it as absent rather than failed, so real failures stand out.
 */
export class SourceAbsent extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceAbsent';
  }
}

import type {
  BannerEvidence,
  DeviceEvidence,
  Evidence,
  FindingState,
  PackageEvidence,
  ProcessEvidence,
  ProcessInfo,
  ServiceEvidence,
  SettingEvidence,
  SocketEvidence,
  Strength,
} from '../model.ts';
import type { DeviceInfo, PackageInfo, ServiceInfo, SettingInfo, SocketInfo } from '../model.ts';
import { FINDING_STATES } from '../vocabulary.ts';
import { clean } from '../text.ts';
import { EVIDENCE_MAX } from './rules.ts';

// Evidence items built from inventory records: the record's facts as fields, every host string bounded
// and escaped, absent values left out (so two scans of the same host give byte-identical JSON).

function c(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : clean(s, EVIDENCE_MAX);
}

/** Drops undefined fields. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function processEvidence(
  p: ProcessInfo,
  matchedBy: ProcessEvidence['matchedBy'],
  strength: Strength,
  extra: { renamed?: boolean; copyOf?: string } = {},
): ProcessEvidence {
  const id = p.identity;
  return compact<ProcessEvidence>({
    type: 'process',
    strength,
    pid: p.pid,
    name: clean(p.name, EVIDENCE_MAX),
    exe: c(p.exe),
    cmdline: c(p.cmdline),
    user: c(p.user),
    sha256: c(id?.sha256),
    buildId: c(id?.elfBuildId),
    signer: c(id?.signer),
    teamId: c(id?.teamId),
    bundleId: c(id?.bundleId),
    originalFilename: c(id?.pe?.originalFilename),
    productName: c(id?.pe?.productName),
    companyName: c(id?.pe?.companyName),
    script: c(p.script?.path ?? p.script?.name),
    matchedBy,
    renamed: extra.renamed || undefined,
    copyOf: c(extra.copyOf),
  });
}

export function packageEvidence(p: PackageInfo, strength: Strength): PackageEvidence {
  return compact<PackageEvidence>({
    type: 'package',
    strength,
    name: clean(p.name, EVIDENCE_MAX),
    version: c(p.version),
    manager: p.source,
    path: c(p.path),
    publisher: c(p.publisher),
    bundleId: c(p.bundleId),
    teamId: c(p.identity?.teamId),
  });
}

export function serviceEvidence(s: ServiceInfo, strength: Strength): ServiceEvidence {
  return compact<ServiceEvidence>({
    type: 'service',
    strength,
    name: clean(s.name, EVIDENCE_MAX),
    displayName: c(s.displayName),
    manager: s.source,
    state: c(s.state),
    startType: c(s.startType),
    path: c(s.path),
  });
}

export function socketEvidence(so: SocketInfo, strength: Strength): SocketEvidence {
  return compact<SocketEvidence>({
    type: 'socket',
    strength,
    proto: so.proto,
    localAddress: clean(so.localAddress, 64),
    localPort: so.localPort,
    remoteAddress: so.remoteAddress === undefined ? undefined : clean(so.remoteAddress, 64),
    remotePort: so.remotePort,
    state: clean(so.state, 32),
    pid: so.pid,
    process: c(so.process),
  });
}

export function bannerEvidence(so: SocketInfo & { banner: string }, strength: Strength): BannerEvidence {
  return compact<BannerEvidence>({
    type: 'banner',
    strength,
    proto: so.proto,
    localAddress: clean(so.localAddress, 64),
    port: so.localPort,
    text: clean(so.banner, EVIDENCE_MAX),
    pid: so.pid,
    process: c(so.process),
  });
}

export function deviceEvidence(d: DeviceInfo, matchedBy: DeviceEvidence['matchedBy'], strength: Strength): DeviceEvidence {
  return compact<DeviceEvidence>({
    type: 'device',
    strength,
    bus: d.bus,
    vendorId: c(d.vendorId?.toLowerCase()),
    productId: c(d.productId?.toLowerCase()),
    name: c(d.name),
    manufacturer: c(d.manufacturer),
    product: c(d.product),
    matchedBy,
  });
}

export function settingEvidence(s: SettingInfo, strength: Strength): SettingEvidence {
  return {
    type: 'setting',
    strength,
    key: clean(s.key, 128),
    value: typeof s.value === 'string' ? clean(s.value, EVIDENCE_MAX) : s.value,
    source: clean(s.source, EVIDENCE_MAX),
  };
}

/** What makes two evidence items the same thing (one process, one package...), whatever else they say. */
export function evidenceKey(e: Evidence): string {
  switch (e.type) {
    case 'process':
      return `process\n${e.pid}`;
    case 'package':
      return `package\n${e.manager}\n${e.name}\n${e.version ?? ''}\n${e.path ?? ''}`;
    case 'service':
      return `service\n${e.manager}\n${e.name}\n${e.path ?? ''}`;
    case 'socket':
      return `socket\n${e.proto}\n${e.localAddress}\n${e.localPort}\n${e.remoteAddress ?? ''}\n${e.remotePort ?? ''}`;
    case 'banner':
      return `banner\n${e.proto}\n${e.localAddress}\n${e.port}`;
    case 'file':
      return `file\n${e.path}`;
    case 'device':
      return `device\n${e.bus}\n${e.vendorId ?? ''}\n${e.productId ?? ''}\n${e.name ?? ''}\n${e.matchedBy}`;
    case 'setting':
      return `setting\n${e.key}`;
    case 'cmdline-domain':
      return `cmdline-domain\n${e.pid}\n${e.host}`;
    case 'tool':
      return `tool\n${e.id}`;
    case 'legacy':
      return `legacy\n${e.kind}\n${e.text}`;
  }
}

function stateOf(e: Evidence): FindingState | undefined {
  switch (e.type) {
    case 'process':
    case 'cmdline-domain':
      return 'running';
    case 'service':
      return e.state && /^running$/i.test(e.state) ? 'running' : 'installed';
    case 'socket':
      return e.state.toUpperCase() === 'LISTEN' ? 'listening' : 'running'; // an established connection has a live owner
    case 'banner':
      return 'listening';
    case 'setting':
      return 'configured';
    case 'package':
    case 'file':
    case 'device':
      return 'installed';
    case 'tool':
    case 'legacy':
      return undefined;
  }
}

/**
 * A finding's state is the strongest (FINDING_STATES order) among its strong evidence and its sockets and
 * banners (which the engine attaches only to the tool owning them). Corroborating presence such as a
 * service every Windows has does not make a built-in tool "running". Signals take the best of their tools.
 */
export function findingState(evidence: Evidence[], fallback: FindingState = 'installed'): FindingState {
  let best: number = FINDING_STATES.length;
  for (const e of evidence) {
    if (e.strength !== 'strong' && e.type !== 'socket' && e.type !== 'banner') continue;
    const s = stateOf(e);
    if (s) best = Math.min(best, FINDING_STATES.indexOf(s));
  }
  return (FINDING_STATES as readonly FindingState[])[best] ?? fallback;
}

/** The strongest of several states (a signal stands as its most active tool does). */
export function strongestState(states: FindingState[]): FindingState {
  const best = Math.min(...states.map((s) => FINDING_STATES.indexOf(s)));
  return (FINDING_STATES as readonly FindingState[])[best] ?? 'installed';
}

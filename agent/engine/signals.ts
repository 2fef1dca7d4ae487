import { createHash } from 'node:crypto';
import type { Category, DeviceInfo, Evidence, Finding, FindingState, Inventory, Severity, ToolEvidence } from '../model.ts';
import { deviceEvidence, evidenceKey, strongestState } from './evidence.ts';
import { compareCodeUnits } from '../text.ts';

// Host-level signals: none of these names a tool, but together they describe a laptop being driven from
// somewhere else (a "laptop farm"). Pure: inventory and findings in, extra findings out.
//
// Run after the policy, on findings whose status is already decided: a sanctioned tool must not count
// towards "several remote tools". The signals are findings themselves, so the policy can then adjust
// their severity (category "signal") or suppress them like any other.

/** Categories that put the laptop under someone else's control or hide where it is. */
const REMOTE: ReadonlySet<Category> = new Set<Category>([
  'remote-desktop',
  'rmm',
  'tunnel',
  'mesh-vpn',
  'vpn',
  // beyond the core list: a web terminal or an IP-KVM is just as much a second way in
  'remote-shell',
  'ip-kvm',
]);
const VPN: ReadonlySet<Category> = new Set<Category>(['vpn', 'mesh-vpn']);
// RDP or Screen Sharing switched on is remote desktop too once a VPN hides where the session comes from
const REMOTE_DESKTOP: ReadonlySet<Category> = new Set<Category>(['remote-desktop', 'rmm', 'builtin-remote']);

// ATT&CK, per signal:
// - T1219 Remote Access Software: what every remote tool in these signals is.
// - T1090 Proxy: a consumer VPN relays the worker's traffic so the session seems to come from the
//   company's country; that is the geo-evasion laptop farms rely on.
// - T1133 External Remote Services: added when the remote side is built-in RDP/SSH/Screen Sharing,
//   which ATT&CK lists under external remote services when reachable from outside, here through the VPN.
// - T1200 Hardware Additions: a second pointing device is hardware someone added (IP-KVMs and
//   mouse jigglers present themselves as USB mice).

/** The ids host signals carry as their tool id; a policy may name them like catalog tools. */
export const SIGNAL_IDS = {
  multipleRemoteTools: 'multiple-remote-tools',
  multiplePointingDevices: 'multiple-pointing-devices',
  remoteAccessBehindVpn: 'remote-access-behind-vpn',
} as const;

export function signalId(toolId: string, keys: string[]): string {
  return createHash('sha256')
    .update([toolId, ...[...keys].sort()].join('\n'))
    .digest('hex')
    .slice(0, 16);
}

function signal(
  id: string,
  name: string,
  severity: Severity,
  attack: string[],
  keys: string[],
  evidence: Evidence[],
  state: FindingState,
): Finding {
  return {
    id: signalId(id, keys),
    tool: { id, name, category: 'signal' },
    severity,
    status: 'finding',
    state,
    attack,
    evidence,
  };
}

function openRemote(findings: Finding[], cats: ReadonlySet<Category>): Map<string, Finding> {
  const byTool = new Map<string, Finding>();
  for (const f of findings) {
    if (f.status === 'finding' && cats.has(f.tool.category) && !byTool.has(f.tool.id)) byTool.set(f.tool.id, f);
  }
  return byTool;
}

function toolEvidence(f: Finding): ToolEvidence {
  return { type: 'tool', strength: 'strong', id: f.tool.id, name: f.tool.name, category: f.tool.category };
}

function pointerKey(d: DeviceInfo): string {
  if (d.vendorId && d.productId) return `${d.vendorId}:${d.productId}`.toLowerCase();
  return `name:${(d.name ?? d.product ?? d.path ?? '?').trim().toLowerCase()}`;
}

/**
 * How many programs the findings stand for. Catalog entries overlap (Tactical RMM runs MeshCentral's agent,
 * N-able Take Control is BeAnywhere, upstream lists file TightVNC's folder under TigerVNC too), so one
 * program can be several findings; findings that share a piece of evidence, i.e. the same process, package
 * or service, are counted once.
 */
function programCount(fs: Finding[]): number {
  const parent = fs.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i])));
  const firstWith = new Map<string, number>();
  fs.forEach((f, i) => {
    for (const e of f.evidence) {
      const key = evidenceKey(e);
      const j = firstWith.get(key);
      if (j === undefined) firstWith.set(key, i);
      else parent[root(i)] = root(j);
    }
  });
  return new Set(fs.map((_, i) => root(i))).size;
}

export function hostSignals(inv: Inventory, findings: Finding[]): Finding[] {
  const out: Finding[] = [];

  const remote = openRemote(findings, REMOTE);
  // two programs need at least two findings, so the count alone decides
  if (programCount([...remote.values()]) >= 2) {
    const tools = [...remote.values()].sort((a, b) => compareCodeUnits(a.tool.id, b.tool.id));
    out.push(
      signal(
        SIGNAL_IDS.multipleRemoteTools,
        'Several remote-access tools on one host',
        'high',
        ['T1219'],
        tools.map((f) => f.tool.id),
        tools.map(toolEvidence),
        strongestState(tools.map((f) => f.state)),
      ),
    );
  }

  const pointers = new Map<string, DeviceInfo>();
  for (const d of inv.devices) if (d.kind === 'pointer' && !pointers.has(pointerKey(d))) pointers.set(pointerKey(d), d);
  if (pointers.size > 1) {
    const keys = [...pointers.keys()].sort();
    // A touchpad and a USB mouse are every other laptop: alone this is only listed (info); next to remote
    // access or KVM hardware it is the hands of someone else on the machine, so it counts (low)
    const severity: Severity = remote.size > 0 ? 'low' : 'info';
    out.push(
      signal(
        SIGNAL_IDS.multiplePointingDevices,
        'More than one pointing device',
        severity,
        ['T1200'],
        keys,
        keys.map((k) => deviceEvidence(pointers.get(k)!, 'pointer', 'strong')),
        'installed',
      ),
    );
  }

  const vpns = openRemote(findings, VPN);
  const desktops = openRemote(findings, REMOTE_DESKTOP);
  if (vpns.size > 0 && desktops.size > 0) {
    const both = [...vpns.values(), ...desktops.values()].sort((a, b) => compareCodeUnits(a.tool.id, b.tool.id));
    const attack = ['T1219', 'T1090'];
    if ([...desktops.values()].some((f) => f.tool.category === 'builtin-remote')) attack.push('T1133');
    out.push(
      signal(
        SIGNAL_IDS.remoteAccessBehindVpn,
        'Remote access together with a VPN',
        'medium',
        attack,
        both.map((f) => f.tool.id),
        both.map(toolEvidence),
        strongestState(both.map((f) => f.state)),
      ),
    );
  }
  return out;
}

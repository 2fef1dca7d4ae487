import { describe, expect, it } from 'vitest';
import { hostSignals, SIGNAL_IDS, signalId } from '../../../../agent/engine/signals.ts';
import type { Category, DeviceInfo, Evidence, Finding } from '../../../../agent/model.ts';
import { inventory } from '../../../helpers/builders.ts';

// The host signals' decisions that the catalog-driven tests do not reach: programs counted through shared
// evidence, the order and ids a policy sees, T1133 from one built-in desktop among others, and pointing
// devices known only by name (issue 17).

const proc = (pid: number): Evidence => ({ type: 'process', strength: 'strong', pid, name: `p${pid}`, matchedBy: 'name' });

function finding(id: string, category: Category, evidence: Evidence[]): Finding {
  return {
    id: id.padEnd(16, '0').slice(0, 16),
    tool: { id, name: `Tool ${id}`, category },
    severity: 'high',
    status: 'finding',
    state: 'running',
    attack: ['T1219'],
    evidence,
  };
}

const toolsOf = (s: Finding | undefined) => s?.evidence.map((e) => (e.type === 'tool' ? e.id : e.type));

describe('several remote tools: programs, not catalog entries', () => {
  it('entries linked through shared processes are one program, however they chain; another program makes it several', () => {
    // b shares a process with a, c with b: one program seen by three entries (overlapping catalog entries)
    const linked = [
      finding('tool-a', 'rmm', [proc(10)]),
      finding('tool-b', 'rmm', [proc(11)]),
      finding('tool-c', 'remote-desktop', [proc(10), proc(11)]),
    ];
    expect(hostSignals(inventory('windows'), linked)).toEqual([]);
    expect(hostSignals(inventory('windows'), linked.slice(0, 2)).map((s) => s.tool.id)).toEqual([SIGNAL_IDS.multipleRemoteTools]);

    const [s] = hostSignals(inventory('windows'), [...linked, finding('ngrok', 'tunnel', [proc(20)])]);
    expect(s.tool).toEqual({ id: SIGNAL_IDS.multipleRemoteTools, name: 'Several remote-access tools on one host', category: 'signal' });
    // listed by tool id whatever order the findings came in
    expect(toolsOf(s)).toEqual(['ngrok', 'tool-a', 'tool-b', 'tool-c']);
  });

  it('two entries on one process alone are not several', () => {
    const fs = [finding('meshcentral', 'rmm', [proc(10)]), finding('tactical-rmm', 'rmm', [proc(10), proc(12)])];
    expect(hostSignals(inventory('windows'), fs)).toEqual([]);
  });

  it('ids hash the list of tools, so two sets spelling the same letters get different ids', () => {
    const one = hostSignals(inventory('linux'), [finding('anydesk', 'remote-desktop', [proc(1)]), finding('ngrok', 'tunnel', [proc(2)])]);
    const two = hostSignals(inventory('linux'), [finding('any', 'remote-desktop', [proc(1)]), finding('deskngrok', 'tunnel', [proc(2)])]);
    expect(one[0].id).toBe(signalId(SIGNAL_IDS.multipleRemoteTools, ['anydesk', 'ngrok']));
    expect(two[0].id).not.toBe(one[0].id);
  });
});

describe('remote access behind a VPN', () => {
  it('lists the VPN and every desktop by tool id, and adds T1133 when any one of them is built in', () => {
    const fs = [
      finding('windows-rdp', 'builtin-remote', [proc(3)]),
      finding('nordvpn', 'vpn', [proc(1)]),
      finding('anydesk', 'remote-desktop', [proc(2)]),
    ];
    const s = hostSignals(inventory('windows'), fs).find((f) => f.tool.id === SIGNAL_IDS.remoteAccessBehindVpn);
    expect(s).toMatchObject({ severity: 'medium', attack: ['T1219', 'T1090', 'T1133'] });
    expect(toolsOf(s)).toEqual(['anydesk', 'nordvpn', 'windows-rdp']);
    // the id a suppression names stays the hash of these tools
    expect(s!.id).toBe(signalId(SIGNAL_IDS.remoteAccessBehindVpn, ['anydesk', 'nordvpn', 'windows-rdp']));
    const other = hostSignals(inventory('windows'), [
      finding('nordvpn', 'vpn', [proc(1)]),
      finding('windows-rdp', 'builtin-remote', [proc(3)]),
    ]);
    expect(other[0].id).not.toBe(s!.id);
  });
});

describe('pointing devices known only by name', () => {
  it('are keyed by the lower-cased name, "?" when they have none, so the finding id stays the same across scans', () => {
    const devices: DeviceInfo[] = [
      { bus: 'hid', kind: 'pointer', name: ' Touchpad ' },
      { bus: 'hid', kind: 'pointer' },
    ];
    const [s] = hostSignals(inventory('linux', { devices }), []);
    expect(s.tool).toEqual({ id: SIGNAL_IDS.multiplePointingDevices, name: 'More than one pointing device', category: 'signal' });
    expect(s.id).toBe(signalId(SIGNAL_IDS.multiplePointingDevices, ['name:?', 'name:touchpad']));
    expect(s.evidence).toEqual([
      { type: 'device', strength: 'strong', bus: 'hid', matchedBy: 'pointer' },
      { type: 'device', strength: 'strong', bus: 'hid', name: ' Touchpad ', matchedBy: 'pointer' },
    ]);
  });
});

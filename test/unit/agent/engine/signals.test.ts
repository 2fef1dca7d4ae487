import { describe, expect, it } from 'vitest';
import { detect } from '../../../../agent/engine/detect.ts';
import { hostSignals, signalId } from '../../../../agent/engine/signals.ts';
import type { Category, DeviceInfo, Finding } from '../../../../agent/model.ts';
import { applyPolicy, parsePolicy } from '../../../../agent/policy/index.ts';
import { catalog, inventory, tool } from '../../../helpers/builders.ts';

function finding(id: string, category: Category, status: Finding['status'] = 'finding'): Finding {
  const pid = [...id].reduce((n, ch) => n * 31 + ch.charCodeAt(0), 7) % 100_000; // one process per tool
  return {
    id: id.padEnd(16, '0').slice(0, 16),
    tool: { id, name: id, category },
    severity: 'high',
    status,
    state: 'running',
    attack: ['T1219'],
    evidence: [{ type: 'process', strength: 'strong', pid, name: id, matchedBy: 'name' }],
  };
}

// A MacBook as it comes: one internal keyboard + trackpad, the built-in panel, nothing remote.
const macbookDevices: DeviceInfo[] = [
  {
    bus: 'usb',
    vendorId: '05ac',
    productId: '0342',
    manufacturer: 'Apple Inc.',
    product: 'Apple Internal Keyboard / Trackpad',
    kind: 'keyboard',
  },
  {
    bus: 'usb',
    vendorId: '05ac',
    productId: '0342',
    manufacturer: 'Apple Inc.',
    product: 'Apple Internal Keyboard / Trackpad',
    kind: 'pointer',
  },
  { bus: 'display', kind: 'display', name: 'Color LCD', manufacturer: 'APP', productId: 'a045' },
];
const usbMouse: DeviceInfo = {
  bus: 'usb',
  vendorId: '046d',
  productId: 'c077',
  manufacturer: 'Logitech',
  product: 'USB Optical Mouse',
  kind: 'pointer',
};
// What a PiKVM V4 presents to the target over USB (Linux composite gadget ids)
const kvmMouse: DeviceInfo = {
  bus: 'usb',
  vendorId: '1d6b',
  productId: '0104',
  manufacturer: 'PiKVM',
  product: 'PiKVM Composite Device',
  kind: 'pointer',
};

describe('hostSignals', () => {
  it('stays silent on an ordinary laptop', () => {
    expect(hostSignals(inventory('darwin', { devices: macbookDevices }), [])).toEqual([]);
    // one sanctioned tool and one open finding are not "several"
    const fs = [
      finding('teamviewer', 'remote-desktop', 'allowed'),
      finding('zscaler', 'vpn', 'allowed'),
      finding('anydesk', 'remote-desktop'),
    ];
    expect(hostSignals(inventory('darwin', { devices: macbookDevices }), fs)).toEqual([]);
  });

  it('flags several distinct remote-access tools, high, listing them', () => {
    const fs = [
      finding('anydesk', 'remote-desktop'),
      finding('ngrok', 'tunnel'),
      finding('anydesk', 'remote-desktop'),
      finding('windows-rdp', 'builtin-remote'),
    ];
    const [s] = hostSignals(inventory('windows'), fs);
    expect(s).toMatchObject({
      id: signalId('multiple-remote-tools', ['anydesk', 'ngrok']),
      tool: { id: 'multiple-remote-tools', category: 'signal' },
      severity: 'high',
      status: 'finding',
      attack: ['T1219'],
      state: 'running',
      evidence: [
        { type: 'tool', strength: 'strong', id: 'anydesk', name: 'anydesk', category: 'remote-desktop' },
        { type: 'tool', strength: 'strong', id: 'ngrok', name: 'ngrok', category: 'tunnel' },
      ],
    });
    expect(s.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives the same id whatever order the tools come in', () => {
    const a = hostSignals(inventory('linux'), [finding('rustdesk', 'remote-desktop'), finding('tailscale', 'mesh-vpn')]);
    const b = hostSignals(inventory('linux'), [finding('tailscale', 'mesh-vpn'), finding('rustdesk', 'remote-desktop')]);
    expect(a.map((f) => f.id)).toEqual(b.map((f) => f.id));
    expect(a[0].id).not.toBe(
      hostSignals(inventory('linux'), [finding('rustdesk', 'remote-desktop'), finding('zerotier', 'mesh-vpn')])[0].id,
    );
  });

  it('weakly flags more than one pointing device, counting vendor:product once', () => {
    const inv = inventory('windows', { devices: [...macbookDevices, usbMouse, { ...usbMouse, path: 'second interface' }] });
    const [s] = hostSignals(inv, []);
    // alone it is only listed: a touchpad and a mouse are an ordinary laptop
    expect(s).toMatchObject({ tool: { id: 'multiple-pointing-devices', category: 'signal' }, severity: 'info', attack: ['T1200'] });
    // next to remote access it counts
    expect(hostSignals(inv, [finding('anydesk', 'remote-desktop')]).find((f) => f.tool.id === 'multiple-pointing-devices')?.severity).toBe(
      'low',
    );
    expect(s.evidence).toEqual([
      {
        type: 'device',
        strength: 'strong',
        bus: 'usb',
        vendorId: '046d',
        productId: 'c077',
        manufacturer: 'Logitech',
        product: 'USB Optical Mouse',
        matchedBy: 'pointer',
      },
      {
        type: 'device',
        strength: 'strong',
        bus: 'usb',
        vendorId: '05ac',
        productId: '0342',
        manufacturer: 'Apple Inc.',
        product: 'Apple Internal Keyboard / Trackpad',
        matchedBy: 'pointer',
      },
    ]);
    expect(s.state).toBe('installed');
    expect(s.id).toBe(signalId('multiple-pointing-devices', ['05ac:0342', '046d:c077']));
  });

  it('flags remote desktop behind a VPN, medium, with T1133 when the desktop is built in', () => {
    const [s] = hostSignals(inventory('windows'), [finding('nordvpn', 'vpn'), finding('windows-rdp', 'builtin-remote')]);
    expect(s).toMatchObject({ tool: { id: 'remote-access-behind-vpn' }, severity: 'medium', attack: ['T1219', 'T1090', 'T1133'] });
    const all = hostSignals(inventory('windows', { devices: [...macbookDevices, kvmMouse] }), [
      finding('nordvpn', 'vpn'),
      finding('anydesk', 'remote-desktop'),
    ]);
    expect(all.map((f) => [f.tool.id, f.severity])).toEqual([
      ['multiple-remote-tools', 'high'],
      ['multiple-pointing-devices', 'low'],
      ['remote-access-behind-vpn', 'medium'],
    ]);
    expect(all[2].attack).toEqual(['T1219', 'T1090']);
  });

  it('counts one program once although two catalog entries name it', () => {
    // Tactical RMM runs MeshCentral's agent: one meshagent.exe is two findings but not "several tools"
    const cat = catalog([
      tool('meshcentral', { category: 'rmm', processes: { windows: ['meshagent.exe'], darwin: [], linux: [] } }),
      tool('tactical-rmm', { category: 'rmm', processes: { windows: ['meshagent.exe', 'tacticalrmm.exe'], darwin: [], linux: [] } }),
      tool('anydesk', { processes: { windows: ['anydesk.exe'], darwin: [], linux: [] } }),
    ]);
    const mesh = { pid: 10, name: 'MeshAgent.exe', exe: 'C:\\Program Files\\Mesh Agent\\MeshAgent.exe' };
    const one = detect(inventory('windows', { processes: [mesh] }), cat);
    // one program, one finding (agent/engine/detect.ts oneToolPerProgram): both list MeshAgent.exe by name,
    // neither for more reasons, so the lower tool id takes it
    expect(one.map((f) => f.tool.id)).toEqual(['meshcentral']);
    expect(hostSignals(inventory('windows'), one)).toEqual([]);
    const two = detect(inventory('windows', { processes: [mesh, { pid: 11, name: 'AnyDesk.exe' }] }), cat);
    const [s] = hostSignals(inventory('windows'), two);
    expect(s.tool.id).toBe('multiple-remote-tools');
    expect(s.evidence.map((e) => (e.type === 'tool' ? `${e.id} (${e.name}, ${e.category})` : e.type))).toEqual([
      'anydesk (anydesk, remote-desktop)',
      'meshcentral (meshcentral, rmm)',
    ]);
  });

  it('counts only open findings: a suppressed VPN does not make a signal', () => {
    expect(hostSignals(inventory('linux'), [finding('nordvpn', 'vpn', 'suppressed'), finding('anydesk', 'remote-desktop')])).toEqual([]);
  });

  it('runs after the policy and its own findings go through the policy too', () => {
    const cat = catalog([
      tool('teamviewer', { processes: { windows: ['teamviewer.exe'], darwin: [], linux: [] } }),
      tool('anydesk', { processes: { windows: ['anydesk.exe'], darwin: [], linux: [] } }),
      tool('nordvpn', { category: 'vpn', processes: { windows: ['nordvpn.exe'], darwin: [], linux: [] } }),
    ]);
    const inv = inventory('windows', {
      processes: [
        { pid: 1, name: 'TeamViewer.exe' },
        { pid: 2, name: 'AnyDesk.exe' },
        { pid: 3, name: 'nordvpn.exe' },
      ],
    });
    const policy = parsePolicy(
      'allow:\n  - tool: teamviewer\nseverity:\n  signal: critical\nsuppressions:\n  - tool: remote-access-behind-vpn\n    reason: travel exception\n    expires: 2026-12-01\n',
      'inline',
    );
    const now = new Date('2026-11-23T10:00:00Z');
    const judged = applyPolicy(detect(inv, cat), policy, now);
    const signals = applyPolicy(hostSignals(inv, judged), policy, now);
    expect(signals.map((f) => [f.tool.id, f.severity, f.status])).toEqual([
      ['multiple-remote-tools', 'critical', 'finding'],
      ['remote-access-behind-vpn', 'critical', 'suppressed'],
    ]);
    expect(signals[0].evidence.map((e) => (e.type === 'tool' ? `${e.id} (${e.name}, ${e.category})` : e.type))).toEqual([
      'anydesk (anydesk, remote-desktop)',
      'nordvpn (nordvpn, vpn)',
    ]);
  });
});

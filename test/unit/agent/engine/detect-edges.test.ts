import { describe, expect, it } from 'vitest';
import { detect, findingId } from '../../../../agent/engine/detect.ts';
import { hostSignals, SIGNAL_IDS } from '../../../../agent/engine/signals.ts';
import type { DeviceInfo, Finding } from '../../../../agent/model.ts';
import { catalog, inventory, tool } from '../../../helpers/builders.ts';

// Engine rules a user relies on, each with the input that tells the rule from its removal (issue 17).

const anydesk = tool('anydesk', {
  name: 'AnyDesk',
  processes: { windows: ['anydesk.exe'], darwin: ['anydesk'], linux: ['anydesk'] },
  signers: ['philandro software gmbh'],
  teamIds: ['JDX4N8VD9Y'],
});
const quickassist = tool('quick-assist', {
  name: 'Quick Assist',
  processes: { windows: ['quickassist.exe'], darwin: [], linux: [] },
  signers: ['microsoft corporation'],
  teamIds: ['UBF8T346G9'],
});
const rustdesk = tool('rustdesk', { name: 'RustDesk', processes: { windows: ['rustdesk.exe'], darwin: [], linux: ['rustdesk'] } });
const rdp = tool('windows-rdp', {
  name: 'Remote Desktop',
  category: 'builtin-remote',
  services: ['termservice'],
  packages: ['remote desktop services'],
  settings: [{ key: 'rdp.enabled', equals: true }],
});
const nord = tool('nordvpn', { name: 'NordVPN', category: 'vpn', processes: { windows: ['nordvpn.exe'], darwin: [], linux: [] } });
const cat = catalog([anydesk, quickassist, rustdesk, rdp, nord]);
const ids = (fs: Finding[]) => fs.map((f) => f.tool.id);

describe('a tool becomes a finding only with strong evidence', () => {
  it('a broad signer (Microsoft) on an unrelated program names no tool', () => {
    const p = {
      pid: 10,
      name: 'evil.exe',
      exe: 'C:/Temp/evil.exe',
      identity: { signer: 'CN=Microsoft Corporation, O=Microsoft Corporation' },
    };
    expect(detect(inventory('windows', { processes: [p] }), cat)).toEqual([]);
  });

  it("a broad signer on the tool's own program only corroborates the name match", () => {
    const p = { pid: 11, name: 'QuickAssist.exe', identity: { signer: 'CN=Microsoft Corporation' } };
    const [f] = detect(inventory('windows', { processes: [p] }), cat);
    expect(f.tool.id).toBe('quick-assist');
    expect(f.evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 11, name: 'QuickAssist.exe', signer: 'CN=Microsoft Corporation', matchedBy: 'name' },
    ]);
  });

  it('a vendor-specific signer names its tool even on a renamed program; one merely containing a broad name does not', () => {
    const renamed = { pid: 12, name: 'svc.exe', identity: { signer: 'CN=philandro Software GmbH' } };
    const [f] = detect(inventory('windows', { processes: [renamed] }), cat);
    expect(f).toMatchObject({ tool: { id: 'anydesk' }, evidence: [{ matchedBy: 'signer', strength: 'strong' }] });
    // "philandro software gmbh" inside a subject that also names Microsoft is treated as broad
    const mixed = { pid: 13, name: 'svc.exe', identity: { signer: 'CN=philandro Software GmbH for Microsoft' } };
    expect(detect(inventory('windows', { processes: [mixed] }), cat)).toEqual([]);
  });

  it('a broad Team ID names no tool on a process or a package; a vendor Team ID does', () => {
    const proc = { pid: 14, name: 'helper', identity: { teamId: 'ubf8t346g9' } };
    expect(detect(inventory('darwin', { processes: [proc] }), cat)).toEqual([]);
    const pkg = { name: 'Helper.app', source: 'app' as const, identity: { teamId: 'UBF8T346G9' } };
    expect(detect(inventory('darwin', { packages: [pkg] }), cat)).toEqual([]);
    const vendorPkg = { name: 'Helper.app', source: 'app' as const, identity: { teamId: 'jdx4n8vd9y' } };
    expect(ids(detect(inventory('darwin', { packages: [vendorPkg] }), cat))).toEqual(['anydesk']);
  });

  it("a built-in tool's package or service alone is no finding; its setting switched on is", () => {
    const inv = inventory('windows', {
      services: [{ name: 'TermService', source: 'windows-service', state: 'running' }],
      packages: [{ name: 'Remote Desktop Services', source: 'other' }],
    });
    expect(detect(inv, cat)).toEqual([]);
    const on = detect({ ...inv, settings: [{ key: 'rdp.enabled', value: true, source: 'registry' }] }, cat);
    expect(ids(on)).toEqual(['windows-rdp']);
    expect(on[0].evidence.map((e) => [e.type, e.strength])).toEqual([
      ['setting', 'strong'],
      ['package', 'corroborating'],
      ['service', 'corroborating'],
    ]);
    const off = detect({ ...inv, settings: [{ key: 'rdp.enabled', value: false, source: 'registry' }] }, cat);
    expect(off).toEqual([]);
  });

  it("a socket of a process that is no tool's is no finding", () => {
    const so = { proto: 'tcp' as const, localAddress: '0.0.0.0', localPort: 7070, state: 'LISTEN', pid: 99, process: 'nginx' };
    expect(detect(inventory('linux', { sockets: [so], processes: [{ pid: 99, name: 'nginx' }] }), cat)).toEqual([]);
  });
});

describe('finding ids', () => {
  it('each tool has its own id, the same in every scan whatever the evidence', () => {
    const a = detect(
      inventory('windows', {
        processes: [
          { pid: 1, name: 'anydesk.exe' },
          { pid: 2, name: 'rustdesk.exe' },
        ],
      }),
      cat,
    );
    const b = detect(inventory('windows', { processes: [{ pid: 3, name: 'AnyDesk.exe', exe: 'D:/x/AnyDesk.exe' }] }), cat);
    expect(a.map((f) => f.id)).toEqual([findingId('anydesk'), findingId('rustdesk')]);
    expect(new Set(a.map((f) => f.id)).size).toBe(2);
    expect(b[0].id).toBe(a[0].id);
    expect(findingId('anydesk')).toMatch(/^[0-9a-f]{16}$/);
    expect(findingId('anydesk')).not.toBe(findingId('rustdesk'));
  });
});

describe('Uninstall and app display names', () => {
  it('an Uninstall entry or an .app named like the tool is found; the same name from a Linux package manager is not', () => {
    for (const source of ['uninstall', 'app'] as const) {
      const fs = detect(inventory('windows', { packages: [{ name: 'RustDesk 1.3.2 (x64)', source }] }), cat);
      expect(ids(fs), source).toEqual(['rustdesk']);
      expect(fs[0].evidence).toEqual([{ type: 'package', strength: 'strong', name: 'RustDesk 1.3.2 (x64)', manager: source }]);
      expect(fs[0].state).toBe('installed');
    }
    expect(detect(inventory('linux', { packages: [{ name: 'RustDesk', source: 'dpkg' }] }), cat)).toEqual([]);
    expect(detect(inventory('windows', { packages: [{ name: 'RustDesk Helper', source: 'uninstall' }] }), cat)).toEqual([]);
  });
});

describe('remote access with a VPN', () => {
  const findingsOf = (names: string[]) =>
    detect(inventory('windows', { processes: names.map((name, i) => ({ pid: 100 + i, name })) }), cat);

  it('a lone VPN, or a lone remote tool, raises no signal', () => {
    expect(hostSignals(inventory('windows'), findingsOf(['nordvpn.exe']))).toEqual([]);
    expect(hostSignals(inventory('windows'), findingsOf(['anydesk.exe']))).toEqual([]);
  });

  it('a VPN next to a remote-desktop tool does, with both tools as evidence', () => {
    const sig = hostSignals(inventory('windows'), findingsOf(['nordvpn.exe', 'anydesk.exe'])).find(
      (s) => s.tool.id === SIGNAL_IDS.remoteAccessBehindVpn,
    )!;
    expect(sig).toMatchObject({
      severity: 'medium',
      attack: ['T1219', 'T1090'],
      tool: { name: 'Remote access together with a VPN', category: 'signal' },
      state: 'running',
    });
    expect(sig.evidence.map((e) => e.type === 'tool' && e.id)).toEqual(['anydesk', 'nordvpn']);
  });

  it('an allowed VPN does not count', () => {
    const fs = findingsOf(['nordvpn.exe', 'anydesk.exe']).map((f) => (f.tool.id === 'nordvpn' ? { ...f, status: 'allowed' as const } : f));
    expect(hostSignals(inventory('windows'), fs).map((s) => s.tool.id)).not.toContain(SIGNAL_IDS.remoteAccessBehindVpn);
  });
});

describe('pointing devices without USB ids', () => {
  const sig = (devices: DeviceInfo[]) =>
    hostSignals(inventory('linux', { devices }), []).find((s) => s.tool.id === SIGNAL_IDS.multiplePointingDevices);

  it('are told apart by name, then product, then path; the same name twice is one device', () => {
    expect(
      sig([
        { bus: 'hid', kind: 'pointer', name: 'Touchpad' },
        { bus: 'hid', kind: 'pointer', name: ' touchpad ' },
      ]),
    ).toBeUndefined();
    expect(
      sig([
        { bus: 'hid', kind: 'pointer', name: 'Touchpad' },
        { bus: 'hid', kind: 'pointer', name: 'Mouse' },
      ])!.evidence,
    ).toHaveLength(2);
    expect(
      sig([
        { bus: 'hid', kind: 'pointer', product: 'A' },
        { bus: 'hid', kind: 'pointer', product: 'B' },
      ]),
    ).toBeDefined();
    expect(
      sig([
        { bus: 'hid', kind: 'pointer', path: '/dev/input/event3' },
        { bus: 'hid', kind: 'pointer', path: '/dev/input/event4' },
      ]),
    ).toBeDefined();
    // a vendor id without a product id is no USB id
    expect(
      sig([
        { bus: 'usb', kind: 'pointer', vendorId: '046d', name: 'X' },
        { bus: 'usb', kind: 'pointer', vendorId: '046d', name: 'Y' },
      ]),
    ).toBeDefined();
    expect(
      sig([
        { bus: 'usb', kind: 'keyboard', name: 'K' },
        { bus: 'hid', kind: 'pointer', name: 'P' },
      ]),
    ).toBeUndefined();
  });
});

describe('several remote tools', () => {
  it('the signal is as live as its most live tool', () => {
    const fs = detect(
      inventory('windows', { processes: [{ pid: 1, name: 'anydesk.exe' }], packages: [{ name: 'RustDesk', source: 'uninstall' }] }),
      cat,
    );
    expect(fs.map((f) => f.state)).toEqual(['running', 'installed']);
    const [s] = hostSignals(inventory('windows'), fs);
    expect(s).toMatchObject({
      tool: { id: SIGNAL_IDS.multipleRemoteTools, name: 'Several remote-access tools on one host' },
      state: 'running',
    });
    const installedOnly = detect(
      inventory('windows', {
        packages: [
          { name: 'RustDesk', source: 'uninstall' },
          { name: 'AnyDesk', source: 'uninstall' },
        ],
      }),
      cat,
    );
    expect(hostSignals(inventory('windows'), installedOnly)[0].state).toBe('installed');
  });
});

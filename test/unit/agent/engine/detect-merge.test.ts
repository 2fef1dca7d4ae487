import { describe, expect, it } from 'vitest';
import { detect } from '../../../../agent/engine/detect.ts';
import type { Finding } from '../../../../agent/model.ts';
import { catalog, inventory, tool } from '../../../helpers/builders.ts';

// How evidence about one thing (a process, a package, a device) is kept when several matchers or several
// records name it, and which tool keeps it when tools share it (issue 17): each input tells the rule from
// its removal.

const ids = (fs: Finding[]) => fs.map((f) => f.tool.id);

describe('built-in remote access: presence proves nothing, use does', () => {
  const screenSharing = tool('macos-screen-sharing', {
    name: 'Screen Sharing',
    category: 'builtin-remote',
    processes: { windows: [], darwin: ['screensharingd'], linux: [] },
    paths: ['/system/library/coreservices/remotemanagement/*'],
    banners: ['RFB '],
    settings: [{ key: 'screensharing.enabled', equals: true }],
  });
  const cat = catalog([screenSharing]);
  const agentExe = '/System/Library/CoreServices/RemoteManagement/ScreenSharingAgent.bundle/Contents/MacOS/ScreenSharingAgent';
  const on = { key: 'screensharing.enabled', value: true, source: 'plist' };

  it('its server running by name is a finding', () => {
    const [f] = detect(inventory('darwin', { processes: [{ pid: 5, name: 'screensharingd' }] }), cat);
    expect(f).toMatchObject({ tool: { id: 'macos-screen-sharing' }, severity: 'medium', state: 'running' });
    expect(f.evidence).toEqual([{ type: 'process', strength: 'strong', pid: 5, name: 'screensharingd', matchedBy: 'name' }]);
  });

  it('a program in its folder only corroborates: no finding alone, a corroborating item once the switch is on', () => {
    const proc = { pid: 6, name: 'ScreenSharingAgent', exe: agentExe };
    expect(detect(inventory('darwin', { processes: [proc] }), cat)).toEqual([]);
    const [f] = detect(inventory('darwin', { processes: [proc], settings: [on] }), cat);
    expect(f.evidence).toEqual([
      { type: 'setting', strength: 'strong', key: 'screensharing.enabled', value: true, source: 'plist' },
      { type: 'process', strength: 'corroborating', pid: 6, name: 'ScreenSharingAgent', exe: agentExe, matchedBy: 'path' },
    ]);
    expect(f.state).toBe('configured');
  });

  it('answering on a port, the program in its folder is the server: the strong answer replaces the folder match', () => {
    const inv = inventory('darwin', {
      processes: [{ pid: 6, name: 'ScreenSharingAgent', exe: agentExe }],
      sockets: [{ proto: 'tcp', localAddress: '0.0.0.0', localPort: 5900, state: 'LISTEN', pid: 6, banner: 'RFB 003.889' }],
    });
    const [f] = detect(inv, cat);
    expect(f.evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 6, name: 'ScreenSharingAgent', exe: agentExe, matchedBy: 'banner' },
      { type: 'banner', strength: 'strong', proto: 'tcp', localAddress: '0.0.0.0', port: 5900, text: 'RFB 003.889', pid: 6 },
    ]);
    expect(f.state).toBe('running');
  });

  it('one pid listed twice in its folder is one item, the first record', () => {
    const inv = inventory('darwin', {
      processes: [
        { pid: 6, name: 'ScreenSharingAgent', exe: agentExe },
        { pid: 6, name: 'SSMenuAgent', exe: '/System/Library/CoreServices/RemoteManagement/SSMenuAgent.app/Contents/MacOS/SSMenuAgent' },
      ],
      settings: [on],
    });
    expect(detect(inv, cat)[0].evidence[1]).toStrictEqual({
      type: 'process',
      strength: 'corroborating',
      pid: 6,
      name: 'ScreenSharingAgent',
      exe: agentExe,
      matchedBy: 'path',
    });
  });
});

describe('one process item per pid', () => {
  const anydesk = tool('anydesk', {
    processes: { windows: ['anydesk.exe'], darwin: [], linux: [] },
    bundleIds: ['com.philandro.anydesk'],
    commandLines: ['--control'],
  });
  const x11vnc = tool('x11vnc', { processes: { windows: [], darwin: [], linux: ['x11vnc'] } });
  const cat = catalog([anydesk, x11vnc]);

  it('of two records of one pid matched alike, the first stays, with no field the records lack', () => {
    const inv = inventory('windows', {
      processes: [
        { pid: 9, name: 'anydesk.exe' },
        { pid: 9, name: 'AnyDesk.exe', exe: 'C:/AD/AnyDesk.exe' },
      ],
    });
    expect(detect(inv, cat)[0].evidence).toStrictEqual([
      { type: 'process', strength: 'strong', pid: 9, name: 'anydesk.exe', matchedBy: 'name' },
    ]);
  });

  it('a better match of a renamed program keeps it marked renamed', () => {
    const p = {
      pid: 2,
      name: 'helper',
      cmdline: '/Applications/X.app/Contents/MacOS/helper --control',
      identity: { bundleId: 'com.philandro.anydesk' },
    };
    expect(detect(inventory('darwin', { processes: [p] }), cat)[0].evidence).toStrictEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 2,
        name: 'helper',
        cmdline: '/Applications/X.app/Contents/MacOS/helper --control',
        bundleId: 'com.philandro.anydesk',
        matchedBy: 'cmdline',
        renamed: true,
      },
    ]);
  });

  it('a record matched by name after one matched as a copy keeps the copy it is of', () => {
    const inv = inventory('linux', {
      files: [{ path: '/usr/bin/x11vnc', identity: { sha256: 'aa'.repeat(32) } }],
      processes: [
        { pid: 4, name: 'kworker', exe: '/tmp/.k', identity: { sha256: 'aa'.repeat(32) } },
        { pid: 4, name: 'x11vnc' },
      ],
    });
    expect(detect(inv, cat)[0].evidence).toStrictEqual([
      { type: 'process', strength: 'strong', pid: 4, name: 'x11vnc', matchedBy: 'name', renamed: true, copyOf: '/usr/bin/x11vnc' },
    ]);
  });

  it('a copy matched by hash and by build-id of two reference files names the one its hash matched', () => {
    const inv = inventory('linux', {
      files: [
        { path: '/usr/bin/x11vnc', identity: { sha256: 'bb'.repeat(32) } },
        { path: '/opt/x11vnc/bin/x11vnc', identity: { elfBuildId: 'b1d' } },
      ],
      processes: [{ pid: 7, name: 'kworker', exe: '/tmp/.k', identity: { sha256: 'bb'.repeat(32), elfBuildId: 'b1d' } }],
    });
    expect(detect(inv, cat)[0].evidence).toStrictEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 7,
        name: 'kworker',
        exe: '/tmp/.k',
        sha256: 'bb'.repeat(32),
        buildId: 'b1d',
        matchedBy: 'hash',
        renamed: true,
        copyOf: '/usr/bin/x11vnc',
      },
    ]);
  });
});

describe('one package item', () => {
  const anydesk = tool('anydesk', {
    name: 'AnyDesk',
    processes: { windows: ['anydesk.exe'], darwin: [], linux: [] },
    signers: ['philandro software gmbh'],
    teamIds: ['JDX4N8VD9Y'],
  });
  const cat = catalog([anydesk]);

  it('an app whose publisher corroborates and whose Team ID proves is one strong item', () => {
    const pkg = { name: 'Helper.app', source: 'app' as const, publisher: 'philandro Software GmbH', identity: { teamId: 'JDX4N8VD9Y' } };
    expect(detect(inventory('darwin', { packages: [pkg] }), cat)[0].evidence).toEqual([
      {
        type: 'package',
        strength: 'strong',
        name: 'Helper.app',
        manager: 'app',
        publisher: 'philandro Software GmbH',
        teamId: 'JDX4N8VD9Y',
      },
    ]);
  });

  it('of two records of one package, the first stays, strong or corroborating', () => {
    const strong = detect(
      inventory('windows', {
        packages: [
          { name: 'AnyDesk', source: 'uninstall', publisher: 'philandro Software GmbH' },
          { name: 'AnyDesk', source: 'uninstall', publisher: 'AnyDesk Software GmbH' },
        ],
      }),
      cat,
    );
    expect(strong[0].evidence).toEqual([
      { type: 'package', strength: 'strong', name: 'AnyDesk', manager: 'uninstall', publisher: 'philandro Software GmbH' },
    ]);
    const corroborating = detect(
      inventory('windows', {
        processes: [{ pid: 1, name: 'anydesk.exe' }],
        packages: [
          { name: 'Viewer', source: 'uninstall', publisher: 'philandro Software GmbH' },
          { name: 'Viewer', source: 'uninstall', publisher: 'PHILANDRO SOFTWARE GMBH' },
        ],
      }),
      cat,
    );
    expect(corroborating[0].evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 1, name: 'anydesk.exe', matchedBy: 'name' },
      { type: 'package', strength: 'corroborating', name: 'Viewer', manager: 'uninstall', publisher: 'philandro Software GmbH' },
    ]);
  });
});

describe('one program, one finding: more tie-breaks', () => {
  it('corroborating evidence does not count as more evidence', () => {
    const alpha = tool('alpha', { processes: { windows: ['vnc.exe'], darwin: [], linux: [] } });
    const beta = tool('beta', { processes: { windows: ['vnc.exe'], darwin: [], linux: [] }, signers: ['beta soft ltd'] });
    const inv = inventory('windows', {
      processes: [{ pid: 1, name: 'vnc.exe' }],
      packages: [{ name: 'Viewer', source: 'uninstall', publisher: 'Beta Soft Ltd' }],
    });
    expect(ids(detect(inv, catalog([alpha, beta])))).toEqual(['alpha']);
  });

  it('a program matched by its file name goes to that tool, not to one that holds its folder', () => {
    const byExe = tool('zeta', { processes: { windows: [], darwin: [], linux: ['vncsrv'] } });
    const byFolder = tool('alpha', { paths: ['/opt/vnc/*'] });
    const fs = detect(inventory('linux', { processes: [{ pid: 1, name: 'x', exe: '/opt/vnc/vncsrv' }] }), catalog([byExe, byFolder]));
    expect(ids(fs)).toEqual(['zeta']);
  });

  it("a package goes by the packages' rule alone, whatever process names the tools list", () => {
    const alpha = tool('alpha', { packages: ['vnc'] });
    const beta = tool('beta', { packages: ['vnc'], processes: { windows: ['vnc.exe'], darwin: [], linux: [] } });
    const fs = detect(inventory('windows', { packages: [{ name: 'VNC', source: 'other' }] }), catalog([alpha, beta]));
    expect(ids(fs)).toEqual(['alpha']);
  });

  it('a tool listing other names for this OS does not count as listing this one', () => {
    const alpha = tool('alpha', { processes: { windows: [], darwin: ['vncd'], linux: ['alphad'] } });
    const beta = tool('beta', { processes: { windows: [], darwin: [], linux: ['vncd'] } });
    expect(ids(detect(inventory('linux', { processes: [{ pid: 1, name: 'vncd' }] }), catalog([alpha, beta])))).toEqual(['beta']);
  });

  it('a device two tools list is evidence for both (a device is no program to share out)', () => {
    const usb = [{ vendorId: '1d6b', productId: '0104', strings: [] }];
    const a = tool('kvm-a', { category: 'ip-kvm', usb });
    const b = tool('kvm-b', { category: 'ip-kvm', usb });
    const fs = detect(inventory('linux', { devices: [{ bus: 'usb', vendorId: '1d6b', productId: '0104' }] }), catalog([a, b]));
    expect(ids(fs)).toEqual(['kvm-a', 'kvm-b']);
  });

  it("a corroborating package two tools' vendor published stays with both", () => {
    const a = tool('vnc-server', { processes: { windows: ['vncserver.exe'], darwin: [], linux: [] }, signers: ['realvnc ltd'] });
    const b = tool('vnc-viewer', { processes: { windows: ['vncviewer.exe'], darwin: [], linux: [] }, signers: ['realvnc ltd'] });
    const fs = detect(
      inventory('windows', {
        processes: [
          { pid: 1, name: 'vncserver.exe' },
          { pid: 2, name: 'vncviewer.exe' },
        ],
        packages: [{ name: 'Helper', source: 'uninstall', publisher: 'RealVNC Ltd' }],
      }),
      catalog([a, b]),
    );
    expect(fs.map((f) => f.evidence.map((e) => [e.type, e.strength]))).toEqual([
      [
        ['process', 'strong'],
        ['package', 'corroborating'],
      ],
      [
        ['process', 'strong'],
        ['package', 'corroborating'],
      ],
    ]);
  });
});

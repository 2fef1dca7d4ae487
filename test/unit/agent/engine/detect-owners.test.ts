import { describe, expect, it } from 'vitest';
import { detect } from '../../../../agent/engine/detect.ts';
import type { Finding, SocketInfo } from '../../../../agent/model.ts';
import { catalog, inventory, tool } from '../../../helpers/builders.ts';

// Which tool a shared program, socket or banner goes to, and how one process seen several ways is shown
// (issue 17), on small catalogs where each tie-break gives a different answer than the next one would.

const ids = (fs: Finding[]) => fs.map((f) => f.tool.id);

describe('one program, one finding', () => {
  it('a process matched by name goes to the tool listing that name, not to one that only holds its folder', () => {
    const byName = tool('zeta-vnc', { processes: { windows: ['vncsrv.exe'], darwin: [], linux: [] } });
    const byFolder = tool('alpha-vnc', { paths: ['C:/Program Files/VNC/**'] });
    const fs = detect(
      inventory('windows', { processes: [{ pid: 1, name: 'vncsrv.exe', exe: 'C:/Program Files/VNC/vncsrv.exe' }] }),
      catalog([byName, byFolder]),
    );
    expect(ids(fs)).toEqual(['zeta-vnc']);
    expect(fs[0].evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 1, name: 'vncsrv.exe', exe: 'C:/Program Files/VNC/vncsrv.exe', matchedBy: 'name' },
    ]);
  });

  it("then to the tool that lists the name for this host's OS", () => {
    const mac = tool('alpha', { processes: { windows: [], darwin: ['vncd'], linux: [] } });
    const linux = tool('beta', { processes: { windows: [], darwin: [], linux: ['vncd'] } });
    const cat = catalog([mac, linux]);
    expect(ids(detect(inventory('linux', { processes: [{ pid: 1, name: 'vncd' }] }), cat))).toEqual(['beta']);
    expect(ids(detect(inventory('darwin', { processes: [{ pid: 1, name: 'vncd' }] }), cat))).toEqual(['alpha']);
  });

  it('then to the tool with more strong evidence, then to the lower tool id', () => {
    const a = tool('alpha', { processes: { windows: ['vnc.exe'], darwin: [], linux: [] } });
    const b = tool('beta', { processes: { windows: ['vnc.exe'], darwin: [], linux: [] }, packages: ['Beta VNC'] });
    const cat = catalog([a, b]);
    expect(ids(detect(inventory('windows', { processes: [{ pid: 1, name: 'vnc.exe' }] }), cat))).toEqual(['alpha']);
    const withPkg = detect(
      inventory('windows', { processes: [{ pid: 1, name: 'vnc.exe' }], packages: [{ name: 'Beta VNC', source: 'uninstall' }] }),
      cat,
    );
    expect(ids(withPkg)).toEqual(['beta']);
    expect(withPkg[0].evidence.map((e) => e.type)).toEqual(['process', 'package']);
  });

  it('a package or service two tools list goes to one of them only', () => {
    const a = tool('alpha', { packages: ['Shared VNC'], services: ['sharedvnc'] });
    const b = tool('beta', { packages: ['Shared VNC'], services: ['sharedvnc'] });
    const cat = catalog([b, a]);
    expect(ids(detect(inventory('windows', { packages: [{ name: 'Shared VNC', source: 'uninstall' }] }), cat))).toEqual(['alpha']);
    expect(ids(detect(inventory('windows', { services: [{ name: 'sharedvnc', source: 'windows-service' }] }), cat))).toEqual(['alpha']);
  });
});

describe('one process seen several ways', () => {
  const anydesk = tool('anydesk', {
    processes: { windows: ['anydesk.exe'], darwin: [], linux: [] },
    paths: ['C:/AD/**'],
    signers: ['philandro software gmbh'],
    peOriginalFilenames: ['AnyDesk.exe'],
  });
  const cat = catalog([anydesk]);

  it('is one evidence item: the best-ranked strong match, whatever order the matchers ran in', () => {
    const p = {
      pid: 3,
      name: 'anydesk.exe',
      exe: 'C:/AD/anydesk.exe',
      identity: { signer: 'philandro Software GmbH', pe: { originalFilename: 'AnyDesk.exe' } },
    };
    const [f] = detect(inventory('windows', { processes: [p] }), cat);
    expect(f.evidence).toEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 3,
        name: 'anydesk.exe',
        exe: 'C:/AD/anydesk.exe',
        signer: 'philandro Software GmbH',
        originalFilename: 'AnyDesk.exe',
        matchedBy: 'name',
      },
    ]);
    // renamed, in the tool's folder: the version resource ranks before the folder, and the item stays marked renamed
    const renamed = { ...p, name: 'svc.exe', exe: 'C:/AD/svc.exe' };
    const [g] = detect(inventory('windows', { processes: [renamed] }), cat);
    expect(g.evidence).toEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 3,
        name: 'svc.exe',
        exe: 'C:/AD/svc.exe',
        signer: 'philandro Software GmbH',
        originalFilename: 'AnyDesk.exe',
        matchedBy: 'pe-metadata',
        renamed: true,
      },
    ]);
  });

  it('keeps what a hash match learned (renamed, the copy it is of) when a better match wins', () => {
    const inv = inventory('windows', {
      files: [{ path: 'C:/AD/anydesk.exe', identity: { sha256: 'ef'.repeat(32) } }],
      processes: [
        { pid: 4, name: 'x.exe', exe: 'C:/Temp/x.exe', identity: { sha256: 'ef'.repeat(32), pe: { originalFilename: 'AnyDesk.exe' } } },
      ],
    });
    const [f] = detect(inv, cat);
    expect(f.evidence).toEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 4,
        name: 'x.exe',
        exe: 'C:/Temp/x.exe',
        sha256: 'ef'.repeat(32),
        originalFilename: 'AnyDesk.exe',
        matchedBy: 'hash',
        renamed: true,
        copyOf: 'C:/AD/anydesk.exe',
      },
    ]);
  });
});

describe('sockets and banners', () => {
  const vnc = tool('x11vnc', { processes: { windows: [], darwin: [], linux: ['x11vnc'] }, banners: ['RFB '] });
  const generic = tool('vnc-server', { banners: ['RFB '] });
  const rdp = tool('windows-rdp', { category: 'builtin-remote', banners: ['rdp:'], settings: [{ key: 'rdp.enabled', equals: true }] });
  const xrdp = tool('xrdp', { banners: ['rdp:'] });
  const cat = catalog([vnc, generic, rdp, xrdp]);
  const sock = (over: Partial<SocketInfo>): SocketInfo => ({
    proto: 'tcp',
    localAddress: '127.0.0.1',
    localPort: 5900,
    state: 'LISTEN',
    ...over,
  });

  it("a socket goes to the tool whose process owns it, by pid or by the owner's name; a recognised reply is its banner", () => {
    const byName = detect(
      inventory('linux', { processes: [{ pid: 7, name: 'x11vnc' }], sockets: [sock({ process: 'x11vnc', reply: 'http: server=x' })] }),
      cat,
    );
    expect(ids(byName)).toEqual(['x11vnc']);
    expect(byName[0].evidence.map((e) => [e.type, e.strength])).toEqual([
      ['process', 'strong'],
      ['socket', 'corroborating'],
      ['banner', 'corroborating'],
    ]);
    expect(byName[0].evidence[2]).toMatchObject({ text: 'http: server=x', port: 5900 });
    expect(byName[0].state).toBe('running');
    // a socket whose owner is no tool names nothing, banner or not
    expect(detect(inventory('linux', { sockets: [sock({ pid: 9, process: 'nginx' })] }), cat)).toEqual([]);
  });

  it('a banner nobody owns names the generic server, brings its process along, and prefers a tool already found', () => {
    const fs = detect(
      inventory('linux', { processes: [{ pid: 12, name: 'Xvnc' }], sockets: [sock({ pid: 12, banner: 'RFB 003.008' })] }),
      cat,
    );
    expect(ids(fs)).toEqual(['vnc-server', 'x11vnc']);
    expect(fs[0].evidence).toEqual([
      { type: 'banner', strength: 'strong', proto: 'tcp', localAddress: '127.0.0.1', port: 5900, text: 'RFB 003.008', pid: 12 },
      { type: 'process', strength: 'strong', pid: 12, name: 'Xvnc', matchedBy: 'banner' },
    ]);
    // an RDP answer on Linux is xrdp, not Windows Remote Desktop; with RDP switched on it is Windows'
    const answer = sock({ localPort: 3389, reply: 'rdp: negotiation response' });
    expect(ids(detect(inventory('linux', { sockets: [answer] }), cat))).toEqual(['xrdp']);
    const on = detect(
      inventory('windows', { sockets: [answer], settings: [{ key: 'rdp.enabled', value: true, source: 'registry' }] }),
      cat,
    );
    expect(ids(on)).toEqual(['windows-rdp']);
    expect(on[0].state).toBe('listening');
    // only built-in tools match: the built-in one it is
    const onlyBuiltin = catalog([rdp]);
    expect(ids(detect(inventory('windows', { sockets: [answer] }), onlyBuiltin))).toEqual(['windows-rdp']);
  });
});

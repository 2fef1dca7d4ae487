import { describe, expect, it } from 'vitest';
import { catalogHosts, detect } from '../../../../agent/engine/detect.ts';
import { indexCatalog } from '../../../../agent/engine/index-catalog.ts';
import type { DeviceInfo, Finding, Inventory, SocketInfo } from '../../../../agent/model.ts';
import { catalog, inventory, tool } from '../../../helpers/builders.ts';

// The engine's rules for command lines, packages, services, devices, settings and sockets (issue 17), each
// with the input that tells the rule from its removal.

const ids = (fs: Finding[]) => fs.map((f) => f.tool.id);

describe('tunnel hosts in command lines', () => {
  const longLabel = 'a'.repeat(63); // the longest DNS label
  const serveo = tool('serveo', { category: 'tunnel', domains: ['serveo.net'] });
  const relay = tool('relay', { category: 'tunnel', domains: [`relay.${longLabel}`] });
  const cat = catalog([serveo, relay]);
  const run = (cmdline: string, name = 'ssh') => detect(inventory('linux', { processes: [{ pid: 30, name, cmdline }] }), cat);

  it('a host under the domain is found whatever follows it; a host merely ending in its letters is not', () => {
    expect(run('sh -c "ssh -R 80:localhost:22 serveo.net|tee /tmp/log"', 'sh')[0].evidence).toEqual([
      { type: 'cmdline-domain', strength: 'strong', pid: 30, process: 'sh', host: 'serveo.net', domain: 'serveo.net' },
    ]);
    expect(ids(run('ssh serveo.net -R 80:localhost:22'))).toEqual(['serveo']);
    expect(run('ssh -R 80:localhost:22 myserveo.net')).toEqual([]);
  });

  it('a last label as long as a host label can be ends the host even when a letter follows', () => {
    expect(run(`agent relay.${longLabel}b`)[0].evidence).toMatchObject([{ host: `relay.${longLabel}`, domain: `relay.${longLabel}` }]);
  });

  it('catalogHosts lists only the hosts under a catalog domain', () => {
    expect(catalogHosts('curl https://example.com/x && ssh serveo.net', indexCatalog(cat)).map((h) => h.host)).toEqual(['serveo.net']);
  });

  it('a label has at most 63 characters: one of 64 is not a label, so the host name starts after its first character', () => {
    const hosts = (cmd: string) => catalogHosts(cmd, indexCatalog(cat)).map((h) => h.host);
    expect(hosts(`ssh ${longLabel}.serveo.net`)).toEqual([`${longLabel}.serveo.net`]);
    expect(hosts(`ssh b${longLabel}.serveo.net`)).toEqual([`${longLabel}.serveo.net`]);
  });
});

describe('command-line fragments', () => {
  const abc = tool('abc-tunnel', {
    category: 'tunnel',
    processes: { windows: ['abctun.exe'], darwin: [], linux: ['abctun'] },
    commandLines: ['tunnel --url'],
  });
  const zz = tool('zz-relay', {
    category: 'tunnel',
    processes: { windows: [], darwin: [], linux: ['zr'] },
    commandLines: ['tunnel --url'],
  });
  const js = tool('x-y', { category: 'tunnel', scripts: ['remote-tunnel.js'], commandLines: ['tunnel --url'] });
  const connect = tool('connect-relay', { category: 'tunnel', commandLines: ['--connect relay'] });
  const pyz = tool('zipapp-relay', { category: 'tunnel', scripts: ['tunnel.pyz'], commandLines: ['tunnel --url'] });
  const cat = catalog([abc, zz, js, connect, pyz]);
  const run = (cmdline: string) => ids(detect(inventory('linux', { processes: [{ pid: 1, name: 'x', cmdline }] }), cat));

  it("a shared fragment counts next to the tool's id word, any of its names or its script's stem, three letters or more", () => {
    expect(run('/opt/abc/bin/run tunnel --url http://localhost:8080')).toEqual(['abc-tunnel']);
    expect(run('zr tunnel --url http://localhost:8080')).toEqual([]);
    expect(run('node /srv/remote-tunnel tunnel --url http://localhost:8080')).toEqual(['x-y']);
    // a zipapp keeps its extension: "tunnel.pyz" is not "tunnelz"
    expect(run('tunnelz tunnel --url http://localhost:8080')).toEqual([]);
  });

  it('a fragment starting with dashes ends at a word boundary too', () => {
    expect(run('agent --connect relay -v')).toEqual(['connect-relay']);
    expect(run('agent --connect relayhost -v')).toEqual([]);
  });
});

describe('packages', () => {
  const x11vnc = tool('x11vnc', { packages: ['x11vnc'] });
  const v2 = tool('v2', { packages: ['V2'] });
  const radmin = tool('radmin', { name: 'Radmin', productNames: ['Radmin Server'] });
  const anydesk = tool('anydesk', { processes: { windows: [], darwin: [], linux: ['anydesk'] }, productNames: ['AnyDesk'] });
  const rustdesk = tool('rustdesk', { processes: { windows: [], darwin: [], linux: ['rustdesk'] } });
  const qa = tool('quick-assist', {
    processes: { windows: ['quickassist.exe'], darwin: [], linux: [] },
    signers: ['microsoft corporation'],
  });
  const crd = tool('chrome-remote-desktop', {
    processes: { windows: [], darwin: ['remoting_me2me_host'], linux: [] },
    teamIds: ['EQHXZ8M8AV'],
  });
  const cat = catalog([x11vnc, v2, radmin, anydesk, rustdesk, qa, crd]);
  const pkgs = (packages: Inventory['packages'], os: Inventory['host']['os'] = 'linux', over: Partial<Inventory> = {}) =>
    detect(inventory(os, { packages, ...over }), cat);

  it('a package name is compared without its build words, else whole', () => {
    expect(ids(pkgs([{ name: 'x11vnc (x64)', source: 'other' }]))).toEqual(['x11vnc']);
    expect(ids(pkgs([{ name: 'V2', source: 'dpkg' }]))).toEqual(['v2']);
  });

  it('an Uninstall entry or an app named with the product name and more is the product', () => {
    expect(ids(pkgs([{ name: 'Radmin Server 3.5.2', source: 'uninstall' }], 'windows'))).toEqual(['radmin']);
    expect(ids(pkgs([{ name: 'Radmin Server 3.5', source: 'app' }], 'darwin'))).toEqual(['radmin']);
  });

  it('a .desktop entry named for one tool is that tool only, whatever build of another its Exec runs', () => {
    const fs = pkgs([{ name: 'AnyDesk', source: 'desktop', exec: '/opt/rustdesk/rustdesk-x64' }], 'linux', {
      processes: [{ pid: 2, name: 'rustdesk' }],
    });
    expect(fs.map((f) => [f.tool.id, f.evidence.map((e) => e.type)])).toEqual([
      ['anydesk', ['package']],
      ['rustdesk', ['process']],
    ]);
  });

  it('unknown bundle ids and Team IDs name nothing', () => {
    expect(pkgs([{ name: 'Helper', source: 'app', bundleId: 'com.example.helper', identity: { teamId: 'ABCDE12345' } }], 'darwin')).toEqual(
      [],
    );
  });

  it("a broad publisher adds nothing to its tool's finding; a broad Team ID only corroborates", () => {
    const office = pkgs([{ name: 'Office', source: 'uninstall', publisher: 'Microsoft Corporation' }], 'windows', {
      processes: [{ pid: 1, name: 'QuickAssist.exe' }],
    });
    expect(office.map((f) => f.evidence.map((e) => e.type))).toEqual([['process']]);
    const chrome = pkgs([{ name: 'Chrome', source: 'app', identity: { teamId: 'EQHXZ8M8AV' } }], 'darwin', {
      processes: [{ pid: 1, name: 'remoting_me2me_host' }],
    });
    expect(chrome[0].evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 1, name: 'remoting_me2me_host', matchedBy: 'name' },
      { type: 'package', strength: 'corroborating', name: 'Chrome', manager: 'app', teamId: 'EQHXZ8M8AV' },
    ]);
  });
});

describe('services', () => {
  const tight = tool('tightvnc', { services: ['tvnsrv'] });
  const tv = tool('tv', { services: ['tvsvc*'] });
  const anydesk = tool('anydesk', { productNames: ['AnyDesk'] });
  const remotepc = tool('remotepc', { paths: ['C:/Program Files/RemotePC/*'] });
  const ammyy = tool('ammyy', { services: ['AmmyyAdmin'] });
  const seven = tool('seven', { services: ['One Two Three Four Five Six Seven'] });
  // a run past the last word would read a word that is not there (JavaScript's "undefined")
  const past = tool('past', { services: ['Remote Undefined'] });
  const cat = catalog([tight, tv, anydesk, remotepc, ammyy, seven, past]);
  const svc = (services: Inventory['services']) => ids(detect(inventory('windows', { services }), cat));

  it('a short service name matches in any case, with or without .service', () => {
    expect(svc([{ name: 'TVNSrv', source: 'windows-service' }])).toEqual(['tightvnc']);
    expect(svc([{ name: 'tvnsrv.service', source: 'systemd' }])).toEqual(['tightvnc']);
    expect(svc([{ name: 'tvsvc_9', source: 'windows-service' }])).toEqual(['tv']);
    expect(svc([{ name: 'x_tvsvc', source: 'windows-service' }])).toEqual([]);
    // only a trailing .service is dropped
    expect(svc([{ name: 'tvn.servicesrv', source: 'systemd' }])).toEqual([]);
  });

  it('a service named exactly for one tool is that tool only, whatever its display name says', () => {
    expect(svc([{ name: 'tvnsrv', displayName: 'AnyDesk Helper', source: 'windows-service' }])).toEqual(['tightvnc']);
  });

  it("a service whose program lies in the tool's folder is the tool", () => {
    const path = 'C:\\Program Files\\RemotePC\\rpcsvc.exe';
    expect(detect(inventory('windows', { services: [{ name: 'svc9', path, source: 'windows-service' }] }), cat)[0].evidence).toEqual([
      { type: 'service', strength: 'strong', name: 'svc9', manager: 'windows-service', path },
    ]);
  });

  it('a name run is read in the first 16 words, 6 words at most', () => {
    expect(svc([{ name: 'a b c d e f g h i j k l m n Ammyy Admin', source: 'windows-service' }])).toEqual(['ammyy']);
    expect(svc([{ name: 'a b c d e f g h i j k l m n o Ammyy Admin', source: 'windows-service' }])).toEqual([]);
    expect(svc([{ name: 'x One Two Three Four Five Six Seven', source: 'windows-service' }])).toEqual([]);
    expect(svc([{ name: 'x Remote', source: 'windows-service' }])).toEqual([]);
  });
});

describe('devices', () => {
  const pikvm = tool('pikvm', {
    category: 'ip-kvm',
    usb: [
      { vendorId: '1d6b', productId: '0104', strings: ['pikvm v3'] },
      { vendorId: '1d6b', productId: '0104', strings: ['tinypilot', 'blikvm'] },
      { vendorId: '1d6b', productId: '0105', strings: [] },
    ],
    displayNames: ['PiKVM V3'],
  });
  const logi = tool('logi-kvm', { category: 'ip-kvm', usb: [{ vendorId: '046d', productId: 'c52b', strings: [] }] });
  const cat = catalog([pikvm, logi]);
  const devs = (devices: DeviceInfo[]) => detect(inventory('linux', { devices }), cat);
  const gadget = { bus: 'usb' as const, vendorId: '1d6b', productId: '0104' };

  it('a USB id names its tool when one of its rules for that id has a string the device shows', () => {
    expect(ids(devs([{ ...gadget, manufacturer: 'PiKVM', product: '', name: 'V3' }]))).toEqual(['pikvm']);
    expect(ids(devs([{ ...gadget, product: 'BliKVM v4' }]))).toEqual(['pikvm']);
    // the rule without strings is for another product id
    expect(devs([{ ...gadget, product: 'Composite Gadget' }])).toEqual([]);
  });

  it('USB ids compare in any case; a vendor id alone or an unknown id names nothing', () => {
    expect(devs([{ bus: 'usb', vendorId: '046D', productId: 'C52B' }])[0].evidence).toEqual([
      { type: 'device', strength: 'strong', bus: 'usb', vendorId: '046d', productId: 'c52b', matchedBy: 'usb-id' },
    ]);
    expect(devs([{ bus: 'usb', vendorId: '046d' }])).toEqual([]);
    expect(devs([{ bus: 'usb', vendorId: '1234', productId: '5678' }])).toEqual([]);
  });

  it('a display name alone, with blanks around it, is strong evidence; an unknown one names nothing', () => {
    expect(devs([{ bus: 'display', name: ' PiKVM V3 ' }])[0].evidence).toEqual([
      { type: 'device', strength: 'strong', bus: 'display', name: ' PiKVM V3 ', matchedBy: 'display-name' },
    ]);
    expect(devs([{ bus: 'display', name: 'DELL U2720Q' }])).toEqual([]);
  });
});

describe('settings', () => {
  it('a setting no tool lists names nothing', () => {
    const rdp = tool('windows-rdp', { category: 'builtin-remote', settings: [{ key: 'rdp.enabled', equals: true }] });
    expect(detect(inventory('windows', { settings: [{ key: 'vnc.enabled', value: true, source: 'reg' }] }), catalog([rdp]))).toEqual([]);
  });
});

describe('sockets', () => {
  const anydesk = tool('anydesk', {
    name: 'AnyDesk',
    processes: { windows: [], darwin: ['anydesk'], linux: [] },
    bundleIds: ['com.philandro.anydesk'],
    signers: ['philandro software gmbh'],
  });
  const x11vnc = tool('x11vnc', { processes: { windows: [], darwin: [], linux: ['x11vnc'] }, signers: ['karl runge'], banners: ['RFB '] });
  const vnc = tool('vnc-server', { banners: ['RFB '] });
  const cat = catalog([anydesk, x11vnc, vnc]);
  const sock = (over: Partial<SocketInfo>): SocketInfo => ({
    proto: 'tcp',
    localAddress: '0.0.0.0',
    localPort: 7070,
    state: 'LISTEN',
    ...over,
  });

  it("a renamed tool's socket is its by the owner's pid alone; another program's socket is not", () => {
    const fs = detect(
      inventory('darwin', {
        processes: [
          { pid: 7, name: 'helper', identity: { bundleId: 'com.philandro.anydesk' } },
          { pid: 99, name: 'nginx' },
        ],
        packages: [
          { name: 'AnyDesk', source: 'app' },
          { name: 'Viewer', source: 'app', publisher: 'philandro Software GmbH' },
        ],
        sockets: [sock({ pid: 7, process: 'helper' }), sock({ localPort: 8080, pid: 99, process: 'nginx' })],
      }),
      cat,
    );
    expect(ids(fs)).toEqual(['anydesk']);
    expect(fs[0].evidence.map((e) => [e.type, e.strength])).toEqual([
      ['process', 'strong'],
      ['package', 'strong'],
      ['package', 'corroborating'],
      ['socket', 'corroborating'],
    ]);
    expect(fs[0].evidence[3]).toEqual({
      type: 'socket',
      strength: 'corroborating',
      proto: 'tcp',
      localAddress: '0.0.0.0',
      localPort: 7070,
      state: 'LISTEN',
      pid: 7,
      process: 'helper',
    });
  });

  it('a tool with corroborating evidence only is not "already found" for a banner nobody owns', () => {
    const fs = detect(
      inventory('linux', {
        packages: [{ name: 'vnc-data', source: 'dpkg', publisher: 'Karl Runge' }],
        sockets: [sock({ localPort: 5900, banner: 'RFB 003.008' })],
      }),
      cat,
    );
    expect(ids(fs)).toEqual(['vnc-server', 'x11vnc']);
    expect(fs[1].evidence.map((e) => [e.type, e.strength])).toEqual([
      ['banner', 'strong'],
      ['package', 'corroborating'],
    ]);
  });
});

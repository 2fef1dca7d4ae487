import { describe, expect, it } from 'vitest';
import { detect, findingId } from '../../../../agent/engine/detect.ts';
import { catalog, inventory, tool } from '../../../helpers/builders.ts';

const anydesk = tool('anydesk', {
  name: 'AnyDesk',
  processes: { windows: ['anydesk.exe'], darwin: ['anydesk'], linux: ['anydesk'] },
  packages: ['anydesk'],
  bundleIds: ['com.philandro.anydesk'],
  teamIds: ['JDX4N8VD9Y'],
  signers: ['philandro software gmbh', 'anydesk software gmbh'],
  peOriginalFilenames: ['anydesk.exe'],
  services: ['anydesk'],
  paths: ['c:/program files (x86)/anydesk/*'],
});
const crd = tool('chrome-remote-desktop', {
  name: 'Chrome Remote Desktop',
  processes: { windows: ['remoting_host.exe'], darwin: [], linux: ['remoting_me2me_host'] },
  signers: ['google llc'],
  teamIds: ['EQHXZ8M8AV'],
});
const x11vnc = tool('x11vnc', { processes: { windows: [], darwin: [], linux: ['x11vnc'] }, packages: ['x11vnc'] });
const vnc = tool('vnc-server', { name: 'VNC server', banners: ['rfb '] });
const pikvm = tool('pikvm', {
  category: 'ip-kvm',
  usb: [{ vendorId: '1d6b', productId: '0104', strings: ['pikvm'] }],
  displayNames: ['pikvm v3'],
});
const rdp = tool('windows-rdp', { category: 'builtin-remote', settings: [{ key: 'rdp.enabled', equals: true }] });
const screenconnect = tool('screenconnect', { services: ['screenconnect client (*'] });
const serveo = tool('serveo', { category: 'tunnel', domains: ['serveo.net'] });
const ngrok = tool('ngrok', { category: 'tunnel', domains: ['*.ngrok-agent.com'] });
const cat = catalog([anydesk, crd, x11vnc, vnc, pikvm, rdp, screenconnect, serveo, ngrok]);

const ids = (fs: { tool: { id: string } }[]) => fs.map((f) => f.tool.id);

describe('detect', () => {
  it('finds nothing on an empty inventory', () => {
    expect(detect(inventory('linux'), cat)).toEqual([]);
  });

  it('matches a process by name case-insensitively, with or without .exe', () => {
    const fs = detect(
      inventory('windows', { processes: [{ pid: 4242, name: 'AnyDesk.EXE', exe: 'C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe' }] }),
      cat,
    );
    expect(ids(fs)).toEqual(['anydesk']);
    expect(fs[0]).toMatchObject({ id: findingId('anydesk'), severity: 'high', status: 'finding', attack: ['T1219'] });
    expect(fs[0].state).toBe('running');
    // one item per process, however many ways it matched (by name, and by its install folder)
    expect(fs[0].evidence).toEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 4242,
        name: 'AnyDesk.EXE',
        exe: 'C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe',
        matchedBy: 'name',
      },
    ]);
  });

  it('sees a renamed Windows binary by its PE OriginalFilename and signer', () => {
    const fs = detect(
      inventory('windows', {
        processes: [
          {
            pid: 7,
            name: 'notepad2.exe',
            exe: 'C:\\Users\\bob\\Downloads\\notepad2.exe',
            identity: { pe: { originalFilename: 'AnyDesk.exe' }, signer: 'CN=philandro Software GmbH, O=philandro Software GmbH' },
          },
        ],
      }),
      cat,
    );
    expect(ids(fs)).toEqual(['anydesk']);
    expect(fs[0].evidence).toEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 7,
        name: 'notepad2.exe',
        exe: 'C:\\Users\\bob\\Downloads\\notepad2.exe',
        signer: 'CN=philandro Software GmbH, O=philandro Software GmbH',
        originalFilename: 'AnyDesk.exe',
        matchedBy: 'pe-metadata',
        renamed: true,
      },
    ]);
  });

  it('sees a renamed Linux binary by hash against the reference copy the collector fingerprinted', () => {
    const sha = 'a'.repeat(64);
    const fs = detect(
      inventory('linux', {
        processes: [
          { pid: 10, name: 'x11vnc', exe: '/usr/bin/x11vnc', identity: { sha256: sha } },
          { pid: 11, name: 'sysmond', exe: '/tmp/sysmond', identity: { sha256: sha } },
          { pid: 12, name: 'bash', exe: '/usr/bin/bash', identity: { sha256: 'b'.repeat(64) } },
        ],
        files: [{ path: '/usr/bin/x11vnc', identity: { sha256: sha } }],
      }),
      cat,
    );
    expect(ids(fs)).toEqual(['x11vnc']);
    expect(fs[0].evidence).toContainEqual({
      type: 'process',
      strength: 'strong',
      pid: 11,
      name: 'sysmond',
      exe: '/tmp/sysmond',
      sha256: sha,
      matchedBy: 'hash',
      renamed: true,
      copyOf: '/usr/bin/x11vnc',
    });
    expect(fs[0].evidence.filter((e) => e.type === 'process' && e.renamed)).toHaveLength(1);
  });

  it('matches Linux names the kernel cut to 15 characters', () => {
    const fs = detect(inventory('linux', { processes: [{ pid: 3, name: 'remoting_me2me_' }] }), cat);
    expect(ids(fs)).toEqual(['chrome-remote-desktop']);
  });

  it('does not call every Google-signed program Chrome Remote Desktop', () => {
    const fs = detect(
      inventory('darwin', {
        processes: [
          {
            pid: 5,
            name: 'Google Chrome',
            exe: '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
            identity: { signer: 'Developer ID Application: Google LLC (EQHXZ8M8AV)', teamId: 'EQHXZ8M8AV' },
          },
        ],
      }),
      cat,
    );
    expect(fs).toEqual([]);
  });

  it('takes a vendor-specific Team ID as proof on its own', () => {
    const fs = detect(inventory('darwin', { processes: [{ pid: 9, name: 'helper', identity: { teamId: 'JDX4N8VD9Y' } }] }), cat);
    expect(ids(fs)).toEqual(['anydesk']);
  });

  it('matches packages, bundle ids, Uninstall display names and services', () => {
    const fs = detect(
      inventory('windows', {
        packages: [{ name: 'AnyDesk 9.0.1 (x64)', source: 'uninstall', publisher: 'AnyDesk Software GmbH' }],
        services: [{ name: 'ScreenConnect Client (0a1b2c3d4e5f6a7b)', source: 'windows-service', state: 'Running' }],
      }),
      cat,
    );
    expect(ids(fs)).toEqual(['anydesk', 'screenconnect']);
    expect(fs[1].evidence[0]).toEqual({
      type: 'service',
      strength: 'strong',
      name: 'ScreenConnect Client (0a1b2c3d4e5f6a7b)',
      manager: 'windows-service',
      state: 'Running',
    });
    expect(fs[1].state).toBe('running');
    expect(fs[0].state).toBe('installed');
  });

  it('gives a listening socket and its banner to the tool whose process owns it; a banner nobody owns names a VNC server', () => {
    const fs = detect(
      inventory('linux', {
        processes: [{ pid: 20, name: 'x11vnc' }],
        sockets: [
          {
            proto: 'tcp',
            localAddress: '127.0.0.1',
            localPort: 5999,
            state: 'LISTEN',
            pid: 20,
            process: 'x11vnc',
            banner: 'RFB 003.008\\n',
          },
          { proto: 'tcp', localAddress: '0.0.0.0', localPort: 22, state: 'LISTEN', pid: 1, process: 'sshd', banner: 'SSH-2.0-OpenSSH_9.2' },
        ],
      }),
      cat,
    );
    expect(ids(fs)).toEqual(['x11vnc']);
    expect(fs[0].state).toBe('running');
    expect(fs[0].evidence).toContainEqual({
      type: 'socket',
      strength: 'corroborating',
      proto: 'tcp',
      localAddress: '127.0.0.1',
      localPort: 5999,
      state: 'LISTEN',
      pid: 20,
      process: 'x11vnc',
    });
    expect(fs[0].evidence).toContainEqual({
      type: 'banner',
      strength: 'corroborating',
      proto: 'tcp',
      localAddress: '127.0.0.1',
      port: 5999,
      text: 'RFB 003.008\\n',
      pid: 20,
      process: 'x11vnc',
    });
    const unowned = detect(
      inventory('linux', {
        sockets: [{ proto: 'tcp', localAddress: '127.0.0.1', localPort: 5901, state: 'LISTEN', banner: 'RFB 003.008\\n' }],
      }),
      cat,
    );
    expect(unowned.map((f) => [f.tool.id, f.state, f.evidence])).toEqual([
      [
        'vnc-server',
        'listening',
        [{ type: 'banner', strength: 'strong', proto: 'tcp', localAddress: '127.0.0.1', port: 5901, text: 'RFB 003.008\\n' }],
      ],
    ]);
  });

  it('matches IP-KVM hardware only with its identifying strings, and at critical severity', () => {
    const gadget = { bus: 'usb' as const, vendorId: '1d6b', productId: '0104' };
    expect(
      detect(
        inventory('linux', { devices: [{ ...gadget, manufacturer: 'Linux Foundation', product: 'Multifunction Composite Gadget' }] }),
        cat,
      ),
    ).toEqual([]);
    const fs = detect(
      inventory('linux', {
        devices: [
          { ...gadget, manufacturer: 'PiKVM', product: 'Composite KVM Device' },
          { bus: 'display', name: 'PiKVM V3' },
        ],
      }),
      cat,
    );
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ tool: { id: 'pikvm', category: 'ip-kvm' }, severity: 'critical' });
    expect(fs[0].evidence.map((e) => e.type === 'device' && e.matchedBy)).toEqual(['usb-id', 'display-name']);
  });

  it('matches built-in remote access switched on, not switched off', () => {
    expect(detect(inventory('windows', { settings: [{ key: 'rdp.enabled', value: false, source: 'reg' }] }), cat)).toEqual([]);
    expect(ids(detect(inventory('windows', { settings: [{ key: 'rdp.enabled', value: true, source: 'reg' }] }), cat))).toEqual([
      'windows-rdp',
    ]);
  });

  it('escapes hostile names in evidence and bounds their length', () => {
    const fs = detect(
      inventory('linux', { processes: [{ pid: 1, name: 'x11vnc', exe: `/tmp/\x1b[31mred\n${'x'.repeat(2000)}/x11vnc` }] }),
      cat,
    );
    const ev = fs[0].evidence.find((e) => e.type === 'process');
    const path = ev?.type === 'process' ? (ev.exe ?? '') : '';
    expect(path.startsWith('/tmp/\\x1b[31mred\\n')).toBe(true);
    expect(path.length).toBeLessThanOrEqual(512);
    expect(path).not.toMatch(/[\x00-\x1f]/);
  });

  it('gives the same finding id for the same tool whatever the evidence, so reports can track it', () => {
    const a = detect(inventory('linux', { processes: [{ pid: 1, name: 'x11vnc' }] }), cat);
    const b = detect(inventory('linux', { packages: [{ name: 'x11vnc', source: 'dpkg' }] }), cat);
    expect(a[0].id).toBe(b[0].id);
  });

  it('recognises a tunnel by the service host name in a command line, whatever program runs it', () => {
    const fs = detect(
      inventory('linux', {
        processes: [
          { pid: 30, name: 'ssh', cmdline: 'ssh -o ServerAliveInterval=60 -R 80:localhost:22 serveo.net' },
          { pid: 31, name: 'agent', cmdline: 'agent --server=Connect.US.ngrok-agent.com:443 --log stdout' },
          { pid: 32, name: 'curl', cmdline: 'curl -s https://example.com/serveo.network/install.sh' },
          { pid: 33, name: 'ssh', cmdline: 'ssh build@ci.internal.example' },
        ],
      }),
      cat,
    );
    expect(fs.map((f) => [f.tool.id, f.evidence])).toEqual([
      [
        'ngrok',
        [
          {
            type: 'cmdline-domain',
            strength: 'strong',
            pid: 31,
            process: 'agent',
            host: 'connect.us.ngrok-agent.com',
            domain: 'ngrok-agent.com',
          },
        ],
      ],
      ['serveo', [{ type: 'cmdline-domain', strength: 'strong', pid: 30, process: 'ssh', host: 'serveo.net', domain: 'serveo.net' }]],
    ]);
  });
});

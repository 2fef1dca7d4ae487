import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../agent/catalog/load.ts';
import { detect } from '../../../../agent/engine/detect.ts';
import { executableStem, nameWords, normSigner } from '../../../../agent/engine/names.ts';
import { evidenceLine } from '../../../../agent/output/evidence-line.ts';
import type { Finding, Inventory, ProcessEvidence, ProcessInfo } from '../../../../agent/model.ts';
import { catalog as makeCatalog, inventory, tool } from '../../../helpers/builders.ts';
import { FIXTURES } from '../../../helpers/paths.ts';
import { join } from 'node:path';

// Issue 11, engine side: each class of miss, on the real catalog, with real captured inventories where they
// exist (the live Linux servers, the Windows AnyDesk laptop). Each test says what the engine gave before.

const catalog = loadCatalog();
const fixture = (name: string): Inventory => JSON.parse(readFileSync(join(FIXTURES, `inventories/${name}.json`), 'utf8'));
const live = fixture('linux-live-servers');
const winLaptop = fixture('windows-anydesk');
const find = (fs: Finding[], id: string) => fs.find((f) => f.tool.id === id);
const processes = (f: Finding | undefined) => (f?.evidence ?? []).filter((e): e is ProcessEvidence => e.type === 'process');
const ids = (inv: Inventory) => detect(inv, catalog).map((f) => f.tool.id);

describe('1. interpreted servers are their scripts', () => {
  const fs = detect(live, catalog);
  it('finds Xpra and websockify run by python3.11 and localtunnel run by node, by script (before: package only, localtunnel not at all)', () => {
    expect(processes(find(fs, 'xpra')).map((e) => [e.name, e.matchedBy, e.script])).toEqual([['python3.11', 'script', '/usr/bin/xpra']]);
    // websockify twice: Debian's (Python) and the npm port (Node), each by its script
    expect(
      processes(find(fs, 'novnc')).map((e) => [e.name, e.matchedBy, e.script?.replace(/^.*\/node_modules\//, '.../node_modules/')]),
    ).toEqual([
      ['python3.11', 'script', '/usr/bin/websockify'],
      ['node', 'script', '.../node_modules/websockify/websockify.js'],
    ]);
    const lt = find(fs, 'localtunnel');
    expect(lt?.state).toBe('running');
    expect(processes(lt).map((e) => [e.name, e.matchedBy])).toEqual([['node', 'script']]);
  });

  it('a renamed copy of a script is found by its sha256 against the reference copy', () => {
    const xpra = live.processes.find((p) => p.script?.name === 'xpra')!;
    const copy: ProcessInfo = {
      ...xpra,
      pid: 4242,
      cmdline: '/usr/bin/python3 /tmp/.cache/syncd',
      script: { ...xpra.script!, name: 'syncd', path: '/tmp/.cache/syncd' },
    };
    const inv: Inventory = { ...live, processes: [copy], packages: [], services: [], sockets: [] };
    const e = processes(find(detect(inv, catalog), 'xpra'));
    expect(e.map((x) => [x.pid, x.matchedBy, x.renamed, x.copyOf])).toEqual([[4242, 'script', true, '/usr/bin/xpra']]);
    expect(evidenceLine(e[0]!)).toBe('process: python3.11 (pid 4242) runs /tmp/.cache/syncd, a copy of /usr/bin/xpra, /usr/bin/python3.11');
  });

  it('a python process running an unknown script is not matched', () => {
    const p: ProcessInfo = {
      pid: 1,
      name: 'python3.11',
      exe: '/usr/bin/python3.11',
      cmdline: '/usr/bin/python3 /opt/app/xpra_report.py',
      script: { name: 'xpra_report.py', path: '/opt/app/xpra_report.py' },
    };
    expect(ids(inventory('linux', { processes: [p] }))).toEqual([]);
  });
});

describe('2. running servers by process and banner', () => {
  const fs = detect(live, catalog);
  it('a running sshd makes the SSH finding "running" with its process (before: "listening" from the banner alone)', () => {
    const ssh = find(fs, 'ssh-server')!;
    expect(ssh.state).toBe('running');
    expect(processes(ssh).map((e) => [e.name, e.matchedBy])).toEqual([['sshd', 'banner']]);
    const stopped: Inventory = {
      ...live,
      processes: live.processes.filter((p) => p.name !== 'sshd'),
      sockets: live.sockets.filter((s) => s.process !== 'sshd'),
    };
    expect(find(detect(stopped, catalog), 'ssh-server')?.state).toBe('configured');
  });

  it('dropbear is found running, with its SSH-2.0-dropbear banner', () => {
    const d = find(fs, 'dropbear')!;
    expect(d.state).toBe('running');
    expect(d.evidence.some((e) => e.type === 'banner' && e.text.startsWith('SSH-2.0-dropbear'))).toBe(true);
  });

  it('a renamed dropbear answering SSH-2.0-dropbear is dropbear by its banner', () => {
    const inv = inventory('linux', {
      processes: [{ pid: 77, name: 'kworker-helper', exe: '/tmp/kworker-helper' }],
      sockets: [
        {
          proto: 'tcp',
          localAddress: '127.0.0.1',
          localPort: 2222,
          state: 'LISTEN',
          pid: 77,
          process: 'kworker-helper',
          banner: 'SSH-2.0-dropbear_2022.83\\r\\n',
        },
      ],
    });
    const d = find(detect(inv, catalog), 'dropbear');
    expect(processes(d).map((e) => [e.pid, e.matchedBy])).toEqual([[77, 'banner']]);
  });
});

describe('3. names that differ slightly', () => {
  it('matches Uninstall names with versions and editions by normalised product-name prefix (before: no finding)', () => {
    const packages = ['Radmin Server 3.5.2', 'TeamViewer Host (x64)'].map((name) => ({ name, source: 'uninstall' as const }));
    expect(ids(inventory('windows', { packages }))).toEqual(['radmin', 'teamviewer']);
  });

  it('matches installer and release variants of executable names', () => {
    expect(executableStem('AnyDeskMSI.exe')).toBe('anydesk');
    expect(executableStem('frpc-windows-amd64.exe')).toBe('frpc');
    expect(executableStem('radmin3.exe')).toBe('radmin');
    expect(executableStem('chrome.exe')).toBeUndefined();
    const proc = (pid: number, name: string): ProcessInfo => ({ pid, name, exe: `C:\\Users\\alex\\Downloads\\${name}` });
    const fs = detect(inventory('windows', { processes: [proc(1, 'AnyDeskMSI.exe'), proc(2, 'frpc-windows-amd64.exe')] }), catalog);
    expect(
      fs.map((f) => [
        f.tool.id,
        processes(f)
          .map((e) => e.matchedBy)
          .join(),
      ]),
    ).toEqual([
      ['anydesk', 'name-variant'],
      ['frp', 'name-variant'],
    ]);
  });
});

describe('4. PE version info of a renamed binary', () => {
  it('a renamed ScreenConnect service whose OriginalFilename was blanked is ScreenConnect by its FileDescription (before: no finding)', () => {
    const real = winLaptop.processes.find((p) => p.name === 'ScreenConnect.ClientService.exe')!;
    const renamed: ProcessInfo = {
      ...real,
      pid: 9001,
      name: 'svchelper.exe',
      exe: 'C:\\Users\\Public\\svchelper.exe',
      cmdline: 'svchelper.exe',
      identity: { ...real.identity, pe: { ...real.identity!.pe, originalFilename: undefined } },
    };
    const f = find(detect(inventory('windows', { processes: [renamed] }), catalog), 'screenconnect');
    expect(processes(f).map((e) => [e.name, e.matchedBy, e.renamed])).toEqual([['svchelper.exe', 'pe-metadata', true]]);
  });

  it('a renamed binary whose CompanyName is AnyDesk Software GmbH is AnyDesk', () => {
    const p: ProcessInfo = {
      pid: 5,
      name: 'update.exe',
      exe: 'C:\\ProgramData\\update.exe',
      identity: { pe: { companyName: 'AnyDesk Software GmbH' } },
    };
    expect(processes(find(detect(inventory('windows', { processes: [p] }), catalog), 'anydesk')).map((e) => e.matchedBy)).toEqual([
      'pe-metadata',
    ]);
  });

  it('service display names and image paths name the tool when the service name does not (before: no finding)', () => {
    const services = [
      { name: 'svc01', displayName: 'TeamViewer Host 15', path: 'C:\\ProgramData\\svc01.exe', source: 'windows-service' as const },
      { name: 'netsvc', displayName: 'Network helper', path: 'C:\\tools\\frpc-windows-amd64.exe', source: 'windows-service' as const },
    ];
    expect(ids(inventory('windows', { services }))).toEqual(['frp', 'teamviewer']);
  });

  it('a Microsoft or Google company name alone names nothing', () => {
    const p: ProcessInfo = { pid: 6, name: 'x.exe', identity: { pe: { companyName: 'Google LLC', productName: 'Google Chrome' } } };
    expect(ids(inventory('windows', { processes: [p] }))).toEqual([]);
  });
});

describe('5. signers spelled differently', () => {
  it('normalises legal forms, punctuation, Apple prefixes and word order', () => {
    expect(normSigner('RealVNC Limited')).toBe(normSigner('realvnc ltd'));
    expect(normSigner('Huabing Zhou')).toBe(normSigner('zhou huabing'));
    expect(normSigner('ZeroTier, Inc.')).toBe(normSigner('ZeroTier Inc'));
    expect(normSigner('Developer ID Application: Philandro Software GmbH (KU6W3B6JMZ)')).toBe(normSigner('philandro software gmbh'));
    expect(normSigner('DUC FABULOUS CO.,LTD')).toBe(normSigner('Duc Fabulous Co., Ltd.'));
  });

  it('a renamed RustDesk signed "Huabing Zhou" and a VNC server signed "RealVNC Ltd." are found (before: RealVNC only, by substring; the reversed personal name not at all)', () => {
    const fs = detect(
      inventory('windows', {
        processes: [
          { pid: 1, name: 'helper.exe', exe: 'C:\\ProgramData\\helper.exe', identity: { signer: 'Huabing Zhou' } },
          { pid: 2, name: 'svc.exe', exe: 'C:\\ProgramData\\svc.exe', identity: { signer: 'RealVNC Ltd.' } },
        ],
      }),
      catalog,
    );
    expect(fs.map((f) => f.tool.id)).toEqual(['realvnc', 'rustdesk']);
  });
});

describe('6. services by distinctive word runs', () => {
  it('"AmmyyAdmin" and "Ammyy Admin Service" hold the catalog\'s "ammyy admin" (before: exact names only)', () => {
    expect(nameWords('AmmyyAdmin')).toEqual(['ammyy', 'admin']);
    for (const name of ['AmmyyAdmin', 'Ammyy_Admin_Service']) {
      expect(ids(inventory('windows', { services: [{ name, source: 'windows-service' }] })), name).toEqual(['ammyy-admin']);
    }
  });

  it('generic words in service names match nothing', () => {
    const services = ['RemoteAgentService', 'SupportAssistAgent', 'DesktopHelperUpdater', 'ClientServerHost'].map((name) => ({
      name,
      source: 'windows-service' as const,
    }));
    expect(ids(inventory('windows', { services }))).toEqual([]);
  });
});

describe('7. tool arguments anywhere in the whole command line', () => {
  const proc = (cmdline: string, name = 'svc'): ProcessInfo => ({ pid: 31, name, exe: `/usr/local/bin/${name}`, cmdline });
  it('finds cloudflared and MeshCentral by their arguments under another name (before: no finding)', () => {
    expect(ids(inventory('linux', { processes: [proc('/usr/local/bin/svc tunnel run --token eyJhIjoiNmQ')] }))).toEqual([
      'cloudflare-tunnel',
    ]);
    expect(ids(inventory('linux', { processes: [proc('/opt/x/agent --meshServiceName="Mesh Agent" --installPath=/opt/x')] }))).toEqual([
      'meshcentral',
    ]);
  });

  it('reads the whole command line: an argument far past 4,096 characters still counts', () => {
    expect(
      ids(inventory('linux', { processes: [proc(`/usr/local/bin/svc --pad ${'x'.repeat(100_000)} tunnel run --token abc`)] })),
    ).toEqual(['cloudflare-tunnel']);
  });

  it("matches at word boundaries only, and shared option spellings only next to the tool's name", () => {
    expect(ids(inventory('linux', { processes: [proc('/usr/bin/mytunnel run --tokens')] }))).toEqual([]);
    expect(
      ids(inventory('linux', { processes: [proc('/usr/bin/python3 /usr/sbin/dpkg-reconfigure --frontend=noninteractive tzdata')] })),
    ).toEqual([]);
    expect(ids(inventory('linux', { processes: [proc('/usr/bin/python3 /opt/pk/pagekite.py --frontend=relay.example:443')] }))).toEqual([
      'pagekite',
    ]);
  });
});

describe('8. reference copies from install folders', () => {
  it('a reference copy the collector fingerprinted under /usr/local/mesh_services names a renamed copy by hash', () => {
    const sha256 = 'ab'.repeat(32);
    const inv = inventory('linux', {
      processes: [{ pid: 8, name: 'dbus-helper', exe: '/var/tmp/dbus-helper', identity: { sha256 } }],
      files: [{ path: '/usr/local/mesh_services/meshagent/meshagent', identity: { sha256 } }],
    });
    const e = processes(find(detect(inv, catalog), 'meshcentral'));
    expect(e.map((x) => [x.matchedBy, x.copyOf])).toEqual([['hash', '/usr/local/mesh_services/meshagent/meshagent']]);
  });
});

describe('guards of the loose rules', () => {
  it('a catalog product name never matches an observed name that starts like everyday software', () => {
    const t = tool('x', { productNames: ['cisco secure'] });
    const cat = makeCatalog([t]);
    expect(detect(inventory('windows', { packages: [{ name: 'Cisco Secure Client 5.1', source: 'uninstall' }] }), cat)).toEqual([]);
    expect(
      detect(inventory('windows', { packages: [{ name: 'Cisco Secure Remote 1.0', source: 'uninstall' }] }), cat).map((f) => f.tool.id),
    ).toEqual(['x']);
  });
});

import { describe, expect, it } from 'vitest';
import { detect } from '../../../../agent/engine/detect.ts';
import type { Finding, Inventory } from '../../../../agent/model.ts';
import { catalog, inventory, tool } from '../../../helpers/builders.ts';

// Each matcher of the engine on a small catalog, with the finding and the evidence a user reads (issue 17):
// scripts of interpreters, build-word name variants, PE version resources, command-line fragments, package
// and service fields.

const xpra = tool('xpra', { name: 'Xpra', processes: { windows: [], darwin: [], linux: ['xpra'] }, scripts: ['xpra', 'xpra_launcher.py'] });
const lt = tool('localtunnel', { name: 'localtunnel', category: 'tunnel', scripts: ['lt.js', 'localtunnel'] });
const anydesk = tool('anydesk', {
  name: 'AnyDesk',
  processes: { windows: ['anydesk.exe'], darwin: ['anydesk'], linux: ['anydesk'] },
  productNames: ['AnyDesk'],
  signers: ['philandro software gmbh'],
  bundleIds: ['com.philandro.anydesk'],
  services: ['AnyDesk'],
});
const cloudflared = tool('cloudflared', {
  name: 'Cloudflare Tunnel',
  category: 'tunnel',
  processes: { windows: ['cloudflared.exe'], darwin: ['cloudflared'], linux: ['cloudflared'] },
  commandLines: ['tunnel run --token', 'tunnel --url'],
});
const mesh = tool('meshcentral', {
  name: 'MeshCentral',
  category: 'rmm',
  processes: { windows: ['meshagent.exe'], darwin: [], linux: [] },
  services: ['Mesh Agent*', 'ammyyadmin'],
  commandLines: ['--meshServiceName'],
});
const edge = tool('msedge-remote', { name: 'Edge Remote', signers: ['microsoft corporation'], productNames: ['Edge Remote'] });
const cat = catalog([xpra, lt, anydesk, cloudflared, mesh, edge]);

const only = (fs: Finding[]) => {
  expect(fs).toHaveLength(1);
  return fs[0];
};

describe('interpreted servers', () => {
  it('python running the tool by its script name, package or file (with or without .py) is the tool', () => {
    const cases = [
      { name: 'xpra', path: '/usr/bin/xpra' },
      { name: 'main', package: 'xpra' },
      { name: 'x', path: '/opt/xpra/xpra_launcher.py' },
      { name: 'x', path: '/opt/xpra/XPRA_LAUNCHER' },
    ];
    for (const script of cases) {
      const f = only(detect(inventory('linux', { processes: [{ pid: 5, name: 'python3.11', script }] }), cat));
      expect(f.tool.id, JSON.stringify(script)).toBe('xpra');
      expect(f.evidence, JSON.stringify(script)).toEqual([
        { type: 'process', strength: 'strong', pid: 5, name: 'python3.11', script: script.path ?? script.name, matchedBy: 'script' },
      ]);
    }
    expect(detect(inventory('linux', { processes: [{ pid: 5, name: 'python3.11', script: { name: 'xprax' } }] }), cat)).toEqual([]);
  });

  it('node running a byte-identical copy of the reference script under another name is the tool, marked as a copy', () => {
    const inv = inventory('linux', {
      files: [{ path: '/usr/lib/node_modules/localtunnel/bin/lt.js', identity: { sha256: 'ab'.repeat(32) } }],
      processes: [{ pid: 8, name: 'node', script: { name: 'x.js', path: '/tmp/x.js', identity: { sha256: 'ab'.repeat(32) } } }],
    });
    const f = only(detect(inv, cat));
    expect(f.tool.id).toBe('localtunnel');
    expect(f.evidence).toEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 8,
        name: 'node',
        script: '/tmp/x.js',
        matchedBy: 'script',
        renamed: true,
        copyOf: '/usr/lib/node_modules/localtunnel/bin/lt.js',
      },
    ]);
    // a reference file run as a script from where it lies is no copy of itself
    const self = inventory('linux', {
      files: [{ path: '/usr/bin/cloudflared', identity: { sha256: 'cd'.repeat(32) } }],
      processes: [
        { pid: 8, name: 'python3', script: { name: 'cloudflared', path: '/usr/bin/cloudflared', identity: { sha256: 'cd'.repeat(32) } } },
      ],
    });
    expect(detect(self, cat)).toEqual([]);
  });
});

describe('renamed and variant executables', () => {
  it('a tool name plus build words is the tool, only when no exact name matched', () => {
    const f = only(detect(inventory('windows', { processes: [{ pid: 3, name: 'AnyDeskMSI.exe' }] }), cat));
    expect(f.tool.id).toBe('anydesk');
    expect(f.evidence).toEqual([{ type: 'process', strength: 'strong', pid: 3, name: 'AnyDeskMSI.exe', matchedBy: 'name-variant' }]);
    const byExe = only(
      detect(inventory('windows', { processes: [{ pid: 4, name: 'x', exe: 'C:\\T\\cloudflared-windows-amd64.exe' }] }), cat),
    );
    expect(byExe).toMatchObject({
      tool: { id: 'cloudflared' },
      evidence: [{ matchedBy: 'name-variant', exe: 'C:\\T\\cloudflared-windows-amd64.exe' }],
    });
  });

  it('an ELF build-id of a reference copy names a renamed binary', () => {
    const inv = inventory('linux', {
      files: [{ path: '/usr/bin/cloudflared', identity: { elfBuildId: 'beef' } }],
      processes: [{ pid: 6, name: 'kworker', exe: '/tmp/.k/kworker', identity: { elfBuildId: 'beef' } }],
    });
    expect(only(detect(inv, cat)).evidence).toEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 6,
        name: 'kworker',
        exe: '/tmp/.k/kworker',
        buildId: 'beef',
        matchedBy: 'build-id',
        renamed: true,
        copyOf: '/usr/bin/cloudflared',
      },
    ]);
    // the reference copy running under its own path is no copy
    const self = inventory('linux', {
      files: inv.files,
      processes: [{ pid: 6, name: 'cloudflared', exe: '/usr/bin/cloudflared', identity: { elfBuildId: 'beef' } }],
    });
    expect(only(detect(self, cat)).evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 6, name: 'cloudflared', exe: '/usr/bin/cloudflared', buildId: 'beef', matchedBy: 'name' },
    ]);
  });

  it("a renamed binary whose version resource says the tool's product name is the tool, marked renamed", () => {
    for (const pe of [{ productName: 'AnyDesk 8.0.9' }, { fileDescription: 'AnyDesk' }]) {
      const f = only(detect(inventory('windows', { processes: [{ pid: 7, name: 'svc.exe', identity: { pe } }] }), cat));
      expect(f.tool.id).toBe('anydesk');
      expect(f.evidence[0], JSON.stringify(pe)).toMatchObject({ matchedBy: 'pe-metadata', strength: 'strong', renamed: true });
    }
    // under its own name, the version resource is no sign of renaming
    const own = only(
      detect(inventory('windows', { processes: [{ pid: 7, name: 'AnyDesk.exe', identity: { pe: { productName: 'AnyDesk' } } }] }), cat),
    );
    expect(own.evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 7, name: 'AnyDesk.exe', productName: 'AnyDesk', matchedBy: 'name' },
    ]);
  });

  it("a vendor's CompanyName names its tool; a broad vendor's only corroborates the tool's own name", () => {
    const vendor = only(
      detect(
        inventory('windows', { processes: [{ pid: 9, name: 'svc.exe', identity: { pe: { companyName: 'philandro Software GmbH' } } }] }),
        cat,
      ),
    );
    expect(vendor).toMatchObject({ tool: { id: 'anydesk' }, evidence: [{ matchedBy: 'pe-metadata', strength: 'strong', renamed: true }] });
    const broad = { pid: 9, name: 'svc.exe', identity: { pe: { companyName: 'Microsoft Corporation' } } };
    expect(detect(inventory('windows', { processes: [broad] }), cat)).toEqual([]);
  });

  it('a bundle id names a renamed macOS program', () => {
    const f = only(
      detect(inventory('darwin', { processes: [{ pid: 2, name: 'helper', identity: { bundleId: 'COM.philandro.AnyDesk' } }] }), cat),
    );
    expect(f.evidence).toEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 2,
        name: 'helper',
        bundleId: 'COM.philandro.AnyDesk',
        matchedBy: 'bundle-id',
        renamed: true,
      },
    ]);
  });
});

describe('command-line fragments', () => {
  const run = (cmdline: string, name = 'x') => detect(inventory('linux', { processes: [{ pid: 1, name, cmdline }] }), cat);

  it("a tool's own arguments anywhere in the command line name it, whole words only", () => {
    const f = only(run('/opt/x/agent --meshServiceName "Mesh" -x'));
    expect(f.tool.id).toBe('meshcentral');
    expect(f.evidence).toEqual([
      { type: 'process', strength: 'strong', pid: 1, name: 'x', cmdline: '/opt/x/agent --meshServiceName "Mesh" -x', matchedBy: 'cmdline' },
    ]);
    expect(run('/opt/x/agent --meshServiceNameX')).toEqual([]);
    expect(run('x tunnel run --tokens abc')).toEqual([]);
    expect(only(run('x tunnel run --token=abc')).tool.id).toBe('cloudflared');
    expect(run('/opt/x/agent x--meshServiceName')).toEqual([]);
    expect(only(run('/opt/x/agent --meshservicename')).tool.id).toBe('meshcentral');
    expect(only(run('x tunnel run --token abc')).tool.id).toBe('cloudflared');
  });

  it('a fragment everyday tools share counts only next to the tool name', () => {
    expect(run('npx some-dev-server tunnel --url http://localhost:3000')).toEqual([]);
    expect(only(run('/usr/local/bin/cloudflared tunnel --url http://localhost:3000')).evidence).toEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 1,
        name: 'x',
        cmdline: '/usr/local/bin/cloudflared tunnel --url http://localhost:3000',
        matchedBy: 'cmdline',
      },
    ]);
  });
});

describe('packages', () => {
  const pkgs = (packages: Inventory['packages'], os: 'linux' | 'darwin' | 'windows' = 'linux') => detect(inventory(os, { packages }), cat);

  it('a .desktop entry is the tool by its Exec program, by its product name, or by a variant of its Exec', () => {
    expect(only(pkgs([{ name: 'Remote support', source: 'desktop', exec: '/usr/bin/anydesk' }])).tool.id).toBe('anydesk');
    expect(only(pkgs([{ name: 'AnyDesk 6.3', source: 'desktop' }])).tool.id).toBe('anydesk');
    expect(only(pkgs([{ name: 'Remote support', source: 'desktop', exec: '/opt/x/anydesk-amd64' }])).evidence).toEqual([
      { type: 'package', strength: 'strong', name: 'Remote support', manager: 'desktop' },
    ]);
    // a distribution package is named exactly, never by a product-name prefix
    expect(pkgs([{ name: 'AnyDesk 6.3', source: 'dpkg' }])).toEqual([]);
  });

  it('a macOS app is the tool by its bundle id or its bundle path', () => {
    expect(only(pkgs([{ name: 'Helper', source: 'app', bundleId: 'com.philandro.anydesk' }], 'darwin')).tool.id).toBe('anydesk');
    expect(only(pkgs([{ name: 'Helper', source: 'app', path: '/Applications/AnyDesk' }], 'darwin')).evidence).toEqual([
      { type: 'package', strength: 'strong', name: 'Helper', manager: 'app', path: '/Applications/AnyDesk' },
    ]);
    expect(pkgs([{ name: 'Helper', source: 'dpkg', path: '/usr/share/anydesk' }])).toEqual([]);
  });

  it('the vendor as publisher only corroborates; a broad publisher adds nothing', () => {
    expect(pkgs([{ name: 'Helper', source: 'uninstall', publisher: 'philandro Software GmbH' }], 'windows')).toEqual([]);
    const f = only(pkgs([{ name: 'AnyDesk', source: 'uninstall', publisher: 'philandro Software GmbH', version: '8' }], 'windows'));
    expect(f.evidence).toEqual([
      { type: 'package', strength: 'strong', name: 'AnyDesk', version: '8', manager: 'uninstall', publisher: 'philandro Software GmbH' },
    ]);
    const viewer = pkgs(
      [
        { name: 'AnyDesk', source: 'uninstall' },
        { name: 'Viewer', source: 'uninstall', publisher: 'philandro Software GmbH' },
      ],
      'windows',
    );
    expect(only(viewer).evidence.map((e) => [e.type === 'package' && e.name, e.strength])).toEqual([
      ['AnyDesk', 'strong'],
      ['Viewer', 'corroborating'],
    ]);
    const broad = pkgs(
      [
        { name: 'AnyDesk', source: 'uninstall' },
        { name: 'Office', source: 'uninstall', publisher: 'Microsoft Corporation' },
      ],
      'windows',
    );
    expect(broad.map((f) => f.evidence.length)).toEqual([1]);
  });
});

describe('services', () => {
  const svc = (services: Inventory['services'], os: 'linux' | 'windows' = 'windows') => detect(inventory(os, { services }), cat);

  it('a service is the tool by exact name, by a name prefix, by its program, or by its display name', () => {
    expect(only(svc([{ name: 'anydesk', source: 'windows-service' }])).tool.id).toBe('anydesk');
    expect(only(svc([{ name: 'anydesk.service', source: 'systemd' }], 'linux')).tool.id).toBe('anydesk');
    expect(only(svc([{ name: 'Mesh Agent Foo', source: 'windows-service' }])).tool.id).toBe('meshcentral');
    expect(svc([{ name: 'Mesh Agen', source: 'windows-service' }])).toEqual([]);
    expect(only(svc([{ name: 'svc1', source: 'windows-service', path: 'C:\\X\\AnyDesk.exe' }])).evidence).toEqual([
      { type: 'service', strength: 'strong', name: 'svc1', manager: 'windows-service', path: 'C:\\X\\AnyDesk.exe' },
    ]);
    expect(only(svc([{ name: 'svc2', displayName: 'AnyDesk Service', source: 'windows-service', state: 'running' }]))).toMatchObject({
      tool: { id: 'anydesk' },
      state: 'running',
      evidence: [{ type: 'service', strength: 'strong', name: 'svc2', displayName: 'AnyDesk Service', state: 'running' }],
    });
  });

  it('a distinctive service name inside a longer name or display name, as whole words, is the tool', () => {
    for (const s of [
      { name: 'Ammyy Admin Service', source: 'windows-service' as const },
      { name: 'ammyy_admin', source: 'windows-service' as const },
      { name: 'svc3', displayName: 'The Ammyy Admin helper', source: 'windows-service' as const },
    ]) {
      expect(only(svc([s])).tool.id, JSON.stringify(s)).toBe('meshcentral');
    }
    expect(svc([{ name: 'Ammyy Administrator', source: 'windows-service' }])).toEqual([]);
    expect(svc([{ name: 'svc4', source: 'windows-service', path: 'C:\\X\\anydesk-x64.exe' }]).map((f) => f.tool.id)).toEqual(['anydesk']);
  });
});

describe('broad signers', () => {
  it("a broad vendor's product name still names its tool when the vendor signs it", () => {
    const p = { pid: 4, name: 'edgeremote.exe', identity: { signer: 'CN=Microsoft Corporation', pe: { productName: 'Edge Remote' } } };
    const f = only(detect(inventory('windows', { processes: [p] }), cat));
    expect(f.tool.id).toBe('msedge-remote');
    expect(f.evidence).toEqual([
      {
        type: 'process',
        strength: 'strong',
        pid: 4,
        name: 'edgeremote.exe',
        signer: 'CN=Microsoft Corporation',
        productName: 'Edge Remote',
        matchedBy: 'pe-metadata',
        renamed: true,
      },
    ]);
  });
});

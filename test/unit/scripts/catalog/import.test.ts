import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog, CatalogTool } from '../../../../agent/catalog/types.ts';
import { importCatalog, readSourceMeta, serializeCatalog } from '../../../../scripts/catalog/build.ts';
import { DENIED_PORTS } from '../../../../scripts/catalog/deny.ts';
import { cleanDomain, cleanExecutable, cleanPort, deniedExecutable, isRejection, teamIdOf } from '../../../../scripts/catalog/normalize.ts';
import { cleanPath } from '../../../../scripts/catalog/paths.ts';
import { ROOT } from '../../../helpers/paths.ts';

// Runs the real importer on the real upstream lists in ../shared/catalog-sources and checks what reaches
// the catalog: the tools we rely on, the merges, and above all that generic names stay out.

const root = ROOT;
const sourcesDir = resolve(root, '../shared/catalog-sources');
const extrasFile = join(root, 'shared/catalog/extras.yaml');
const wingetFile = join(root, 'shared/catalog/winget/manifests.yaml');
const committedFile = join(root, 'shared/catalog/catalog.json');

let catalog: Catalog;
let tmp: string;

beforeAll(() => {
  catalog = importCatalog({ sourcesDir, extrasFile, wingetFile }).catalog;
  tmp = mkdtempSync(join(tmpdir(), 'ratwatch-catalog-'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function tool(id: string): CatalogTool {
  const t = catalog.tools.find((x) => x.id === id);
  if (!t) throw new Error(`no tool ${id}`);
  return t;
}

function allProcessNames(t: CatalogTool): string[] {
  return [...t.processes.windows, ...t.processes.darwin, ...t.processes.linux];
}

/** How the engine compares names: lowercase, without ".exe"/".app". */
const norm = (s: string): string => s.toLowerCase().replace(/\.(exe|app)$/, '');

describe('import of the real sources', () => {
  it('yields at least 300 tools, sorted by id, with unique ids', () => {
    expect(catalog.tools.length).toBeGreaterThanOrEqual(300);
    const ids = catalog.tools.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
  });

  it('takes generatedAt from the sources export date, not the clock', () => {
    const dates = ['lolrmm', 'rmml', 'jschell-rmm-network'].map((d) => readSourceMeta(join(sourcesDir, d)).exportedOn).sort();
    expect(catalog.generatedAt).toBe(`${dates[dates.length - 1]}T00:00:00.000Z`);
  });

  it('records the three upstream sources with their commits, the winget manifests and our extras', () => {
    expect(catalog.sources.map((s) => s.id)).toEqual(['lolrmm', 'rmml', 'jschell', 'winget', 'ratwatch']);
    expect(catalog.sources[0]).toMatchObject({ license: 'Apache-2.0', commit: '3c75cf091b10bf7e8ecd576055c44d172b35ff21' });
    expect(catalog.sources[1]).toMatchObject({ license: 'MIT', commit: '09e582eedde7050375e0e18e4a81bfd926b41f6f' });
    expect(catalog.sources[2]).toMatchObject({ license: 'MIT', commit: '5241b9ab95fc1a91e1f00deaec3a9a1bbcaf77f0' });
  });

  it('merges AnyDesk from all five sources into one tool', () => {
    const t = tool('anydesk');
    expect(t.sources).toEqual(['jschell', 'lolrmm', 'ratwatch', 'rmml', 'winget']);
    expect(t.category).toBe('remote-desktop');
    expect(t.processes.windows).toContain('anydesk.exe');
    expect(t.processes.linux).toContain('anydesk');
    expect(t.processes.darwin).toContain('anydesk');
    expect(t.packages).toContain('anydesk');
    expect(t.bundleIds).toContain('com.philandro.anydesk');
    expect(t.teamIds).toContain('KU6W3B6JMZ');
    expect(t.signers).toContain('philandro software gmbh');
    expect(t.peOriginalFilenames).toContain('anydesk.exe');
    expect(t.domains).toContain('boot.net.anydesk.com');
    expect(t.paths).toContain('*/program files*/anydesk/*');
    expect(catalog.tools.filter((x) => /anydesk/i.test(x.name))).toHaveLength(1);
  });

  it('maps differently spelled names to one tool (ScreenConnect, ConnectWise Control, jschell "connectwise")', () => {
    const t = tool('screenconnect');
    expect(t.sources).toEqual(['jschell', 'lolrmm', 'ratwatch', 'rmml']);
    expect(t.processes.windows).toContain('screenconnect.clientservice.exe');
    expect(t.domains).toContain('screenconnect.com');
    for (const id of ['connectwise', 'connectwise-control']) expect(catalog.tools.find((x) => x.id === id)).toBeUndefined();
    expect(tool('teamviewer').sources).toEqual(['jschell', 'lolrmm', 'ratwatch', 'rmml', 'winget']);
    expect(tool('isl-online').sources).toContain('jschell');
    expect(catalog.tools.filter((x) => x.name === 'ISL Online')).toHaveLength(1);
  });

  it('has the remote-access tools ratwatch relies on', () => {
    expect(tool('teamviewer').processes.windows).toContain('teamviewer.exe');
    expect(tool('teamviewer').packages).toContain('teamviewer');
    expect(tool('rustdesk').processes.windows).toContain('rustdesk.exe');
    expect(tool('rustdesk').packages).toContain('rustdesk');
    const crd = tool('chrome-remote-desktop');
    expect(crd.processes.windows).toContain('remoting_host.exe');
    expect(crd.processes.linux).toContain('chrome-remote-desktop-host');
    expect(crd.processes.darwin).toContain('remoting_me2me_host');
    expect(crd.packages).toContain('chrome-remote-desktop');
    expect(crd.bundleIds).toContain('com.google.chrome.remote_desktop');
    expect(tool('x11vnc')).toMatchObject({ category: 'remote-desktop', packages: ['x11vnc'] });
    expect(tool('x11vnc').processes.linux).toEqual(['x11vnc']);
    expect(tool('ngrok')).toMatchObject({ category: 'tunnel' });
    expect(tool('ngrok').processes.linux).toContain('ngrok');
    expect(tool('ngrok').processes.windows).toContain('ngrok.exe');
    expect(tool('tailscale').category).toBe('mesh-vpn');
    expect(tool('tailscale').processes.linux).toEqual(expect.arrayContaining(['tailscale', 'tailscaled']));
    expect(tool('vnc').banners).toEqual(['rfb ']);
    expect(tool('windows-rdp').settings).toEqual([{ key: 'rdp.enabled', equals: true }]);
    expect(tool('gnome-remote-desktop').category).toBe('builtin-remote');
  });

  it('describes IP-KVM hardware by USB id plus maker string, and by EDID name', () => {
    const pikvm = tool('pikvm');
    expect(pikvm.category).toBe('ip-kvm');
    expect(pikvm.usb).toEqual([{ vendorId: '1d6b', productId: '0104', strings: ['pikvm'] }]);
    expect(pikvm.displayNames).toEqual(expect.arrayContaining(['pikvm v3', 'pikvm v4']));
    expect(tool('tinypilot').displayNames).toContain('tinypilot');
    expect(tool('nanokvm').usb).toEqual([{ vendorId: '3346', productId: '1009', strings: [] }]);
    // The Linux Foundation composite-gadget id is shared by every Linux USB gadget: never alone.
    for (const t of catalog.tools) {
      for (const u of t.usb) if (u.vendorId === '1d6b') expect(u.strings.length, t.id).toBeGreaterThan(0);
    }
  });

  it('keeps generic process names out of every tool', () => {
    const generic = [
      'setup.exe',
      'install.exe',
      'installer.exe',
      'agent.exe',
      'client.exe',
      'service.exe',
      'update.exe',
      'updater.exe',
      'launcher.exe',
      'helper',
      'server',
      'java',
      'javaw.exe',
      'python',
      'node',
      'cmd.exe',
      'powershell.exe',
      'rundll32.exe',
      'msiexec.exe',
      'svchost.exe',
      'explorer.exe',
      'chrome.exe',
      'screen',
      'tmux',
      'ssh',
      'sshd',
      'teams',
      'zoom',
      'dwm.exe',
      'plink.exe',
      'presentationhost.exe',
      'winpty-agent.exe',
    ].map(norm);
    for (const t of catalog.tools) {
      for (const n of [...allProcessNames(t), ...t.peOriginalFilenames]) {
        expect(generic, `${t.id}: ${n}`).not.toContain(norm(n));
        expect(deniedExecutable(n), `${t.id}: ${n}`).toBeUndefined();
      }
    }
  });

  it('matches none of the everyday programs a laptop runs', () => {
    const everyday = ['screen', 'tmux', 'teams.exe', 'ms-teams.exe', 'zoom.exe', 'slack.exe', 'libvncserver1'].map(norm);
    for (const t of catalog.tools) {
      for (const n of [...allProcessNames(t), ...t.packages]) expect(everyday, `${t.id}: ${n}`).not.toContain(norm(n));
    }
  });

  it('stores only clean values: lowercase, sorted, unique, no wildcards in names, real ports and domains', () => {
    const sortedUnique = (xs: string[]): boolean => xs.every((x, i) => i === 0 || xs[i - 1] < x);
    for (const t of catalog.tools) {
      for (const os of ['windows', 'darwin', 'linux'] as const) {
        const names = t.processes[os];
        expect(sortedUnique(names), `${t.id} ${os}`).toBe(true);
        for (const n of names) {
          expect(n, t.id).toBe(n.toLowerCase());
          expect(n, t.id).not.toMatch(/[*?[\]{}<>\\/]/);
          expect(n.replace(/\.(exe|msi|bin)$/, '').length, `${t.id}: ${n}`).toBeGreaterThanOrEqual(4);
          if (os !== 'windows') expect(n, `${t.id}: ${n}`).not.toMatch(/\.exe$/);
        }
      }
      for (const k of [
        'paths',
        'bundleIds',
        'packages',
        'services',
        'domains',
        'signers',
        'peOriginalFilenames',
        'displayNames',
        'banners',
        'references',
      ] as const) {
        expect(sortedUnique(t[k]), `${t.id} ${k}`).toBe(true);
      }
      for (const k of [
        'paths',
        'bundleIds',
        'packages',
        'services',
        'domains',
        'signers',
        'peOriginalFilenames',
        'displayNames',
      ] as const) {
        for (const v of t[k]) expect(v, `${t.id} ${k}`).toBe(v.toLowerCase());
      }
      for (const d of t.domains) expect(d, t.id).toMatch(/^(\*\.)?([a-z0-9_-]+\.)+[a-z]{2,}$/);
      for (const p of t.paths) expect(p, t.id).toMatch(/^(\*|\/)/);
      for (const p of t.ports) {
        expect(Number.isInteger(p) && p >= 1 && p <= 65535, `${t.id} ${p}`).toBe(true);
        expect(DENIED_PORTS.has(p), `${t.id} ${p}`).toBe(false);
      }
      for (const id of t.teamIds) expect(id).toMatch(/^[A-Z0-9]{10}$/);
      for (const r of t.references) expect(r, t.id).toMatch(/^https?:\/\//);
      expect(t.references.length, t.id).toBeGreaterThan(0);
    }
  });

  it('gives the same bytes on every run, and the committed catalog.json is that output', () => {
    const again = importCatalog({ sourcesDir, extrasFile, wingetFile }).catalog;
    expect(serializeCatalog(again)).toBe(serializeCatalog(catalog));
    // If this fails, run `npm run catalog` and commit shared/catalog/catalog.json.
    expect(readFileSync(committedFile, 'utf8')).toBe(serializeCatalog(catalog));
  });

  it('writes the same file through `npm run catalog` options --sources and --out', () => {
    const out = join(tmp, 'out', 'catalog.json');
    execFileSync(process.execPath, ['--import', 'tsx', join(root, 'scripts/import-catalog.ts'), '--sources', sourcesDir, '--out', out], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 60_000,
    });
    expect(readFileSync(out, 'utf8')).toBe(serializeCatalog(catalog));
  });
});

describe('hand-curated extras are checked strictly', () => {
  function importWith(yaml: string): () => unknown {
    const file = join(tmp, `extras-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    return () => importCatalog({ sourcesDir, extrasFile: file });
  }

  it('rejects a generic process name instead of dropping it silently', () => {
    const run = importWith(
      'tools:\n  - id: bad\n    name: Bad\n    processes: { windows: [setup.exe] }\n    references: [https://example.org]\n',
    );
    expect(run).toThrow(/extras tools\[0\] \(bad\): process "setup\.exe" rejected \(generic name\)/);
  });

  it('rejects a library package, a shared port, an unknown field and a missing reference', () => {
    expect(importWith('tools:\n  - id: v\n    name: V\n    packages: [libvncserver1]\n    references: [https://example.org]\n')).toThrow(
      /package "libvncserver1" rejected/,
    );
    expect(importWith('tools:\n  - id: v\n    name: V\n    ports: [443]\n    references: [https://example.org]\n')).toThrow(
      /port 443 rejected/,
    );
    expect(importWith('tools:\n  - id: v\n    name: V\n    procceses: {}\n    references: [https://example.org]\n')).toThrow(
      /unknown field "procceses"/,
    );
    expect(importWith('tools:\n  - id: v\n    name: V\n')).toThrow(/references are required/);
  });
});

describe('cleaners', () => {
  it('keeps literal domains and "*." wildcards, drops regexes, placeholders, addresses and ports', () => {
    expect(cleanDomain('boot.net.anydesk.com:443')).toBe('boot.net.anydesk.com');
    expect(cleanDomain("'*.AnyDesk.com'")).toBe('*.anydesk.com');
    expect(cleanDomain('https://ninjauploads.s3.amazonaws.com/app.ninjarmm.com*')).toBe('ninjauploads.s3.amazonaws.com');
    for (const bad of [
      'relay-[a-f0-9]{8}.net.anydesk.com:443',
      '<on-prem-app-server-host>',
      'user_managed',
      '136.243.104.235',
      'tunnel.*.ngrok.com',
      'atera-agent-heartbeat',
      'github.com',
    ]) {
      expect(isRejection(cleanDomain(bad)), bad).toBe(true);
    }
  });

  it('places executables by extension or listed OS and strips .app', () => {
    expect(cleanExecutable('C:\\Program Files\\AnyDesk\\AnyDesk.exe', undefined)).toEqual([{ os: 'windows', name: 'anydesk.exe' }]);
    expect(cleanExecutable('/Applications/AnyDesk.app', undefined)).toEqual([{ os: 'darwin', name: 'anydesk' }]);
    expect(cleanExecutable('ngrok', 'windows')).toEqual([{ os: 'windows', name: 'ngrok.exe' }]);
    expect(cleanExecutable('Splashtop SOS', 'darwin')).toEqual([{ os: 'darwin', name: 'splashtop sos' }]);
    expect(cleanExecutable('tmate', undefined, ['linux', 'darwin'])).toEqual([
      { os: 'linux', name: 'tmate' },
      { os: 'darwin', name: 'tmate' },
    ]);
    for (const bad of [
      'rustdesk*.exe',
      'AnyDesk-.*.exe',
      'nxd',
      'tmate.sock',
      'requires sign up',
      'Setup.exe',
      'G2MComm.exe',
      'libeay32.dll',
    ]) {
      expect(isRejection(cleanExecutable(bad, undefined, ['linux'])), bad).toBe(true);
    }
  });

  it('turns install paths into anchored lowercase patterns and refuses generic ones', () => {
    expect(cleanPath('C:\\Program Files (x86)\\AnyDesk\\*')).toEqual({ pattern: '*/program files*/anydesk/*', os: 'windows' });
    expect(cleanPath('%ProgramData%\\Tiflux\\*')).toMatchObject({ pattern: '*/tiflux/*' });
    expect(cleanPath('C:\\Program Files (x86)\\ScreenConnect Client (<string ID>)\\*')).toMatchObject({
      pattern: '*/program files*/screenconnect client (*)/*',
    });
    expect(cleanPath('/usr/local/bin/tmate')).toEqual({ pattern: '/usr/local/bin/tmate', os: 'linux' });
    for (const bad of [
      'C:\\Windows\\<random>.exe',
      'C:\\ProgramData\\Package Cache\\.unverified\\agent',
      '*\\ZOC?\\*',
      '%APPDATA%\\GoToMeeting\\G2M.exe',
    ]) {
      expect(isRejection(cleanPath(bad)), bad).toBe(true);
    }
  });

  it('extracts Apple Team IDs and refuses shared ports', () => {
    expect(teamIdOf('Developer ID Application: NoMachine S.a.r.l. (493C5JZAGR)')).toBe('493C5JZAGR');
    expect(teamIdOf('Google LLC')).toBeUndefined();
    expect(cleanPort(6568)).toBe(6568);
    for (const bad of [443, 0, 70000, '1000-65535', 3.5]) expect(isRejection(cleanPort(bad)), String(bad)).toBe(true);
  });
});

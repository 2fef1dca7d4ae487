import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../agent/catalog/load.ts';
import { normalizeProductName } from '../../../../agent/catalog/product-name.ts';
import { MISATTRIBUTED } from '../../../../scripts/catalog/misattributed.ts';

// Issue 11, class 10 ("wrong tool named"): a signer, Team ID or bundle id identifies one vendor, so it may
// sit only on that vendor's tools. Vendors with several catalog tools are listed here by hand, which
// makes every new sharing a reviewed decision rather than an accident of an upstream list.
const ONE_VENDOR: Record<string, { vendor: string; tools: string[] }> = {
  'microsoft corporation': { vendor: 'Microsoft', tools: ['dev-tunnels', 'mstsc', 'rdcman'] },
};

const catalog = loadCatalog();

function owners(field: 'signers' | 'teamIds' | 'bundleIds'): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const t of catalog.tools) for (const v of t[field]) m.set(v, [...(m.get(v) ?? []), t.id]);
  return m;
}

describe('catalog: every signer, Team ID and bundle id names one vendor', () => {
  for (const field of ['signers', 'teamIds', 'bundleIds'] as const) {
    it(`${field}: on one tool, or only on the tools of the one vendor listed for it`, () => {
      const wrong: string[] = [];
      for (const [value, ids] of owners(field)) {
        if (ids.length === 1) continue;
        const allowed = ONE_VENDOR[value];
        if (!allowed || !ids.every((id) => allowed.tools.includes(id))) wrong.push(`${value}: ${ids.join(', ')}`);
      }
      expect(wrong).toEqual([]);
    });
  }

  it("gives UltraViewer's signer to UltraViewer, not to AweRay", () => {
    const tool = (id: string) => catalog.tools.find((t) => t.id === id)!;
    expect(tool('ultraviewer').signers).toContain('duc fabulous co.,ltd');
    expect(tool('aweray').signers).not.toContain('duc fabulous co.,ltd');
  });

  it('applies every misattribution entry (the importer fails on stale ones)', () => {
    for (const m of MISATTRIBUTED) {
      const from = catalog.tools.find((t) => t.id === m.from)!;
      expect(from[m.field]).not.toContain(m.value);
      if (m.to) expect(catalog.tools.find((t) => t.id === m.to)![m.field]).toContain(m.value);
    }
  });

  it('knows the Apple Team IDs of the tools that ship for macOS where the vendor publishes them', () => {
    const teams = new Map(catalog.tools.map((t) => [t.id, t.teamIds]));
    expect(teams.get('teamviewer')).toContain('H7UGFBUGV6');
    expect(teams.get('tailscale')).toContain('W5364U7YZB');
    expect(teams.get('zerotier')).toContain('8ZD9JUCZ4V');
    expect(teams.get('teleport')).toContain('QH8AA5B8UP');
    expect(teams.get('mullvad')).toContain('CKG9MXH72F');
  });
});

describe('catalog: fields for interpreted servers, product names and command lines', () => {
  it('stores product names in the normal form the engine compares against', () => {
    for (const t of catalog.tools) for (const p of t.productNames) expect(normalizeProductName(p), `${t.id}: ${p}`).toBe(p);
  });

  it('normalises version, edition and installer suffixes away', () => {
    expect(normalizeProductName('Radmin Server 3.5.2')).toBe('radmin server');
    expect(normalizeProductName('TeamViewer Host (x64)')).toBe('teamviewer host');
    expect(normalizeProductName('AnyDeskMSI.exe')).toBe('anydeskmsi');
    expect(normalizeProductName('AnyDesk MSI')).toBe('anydesk');
    expect(normalizeProductName('frpc-windows-amd64.exe')).toBe('frpc');
    expect(normalizeProductName('Xpra_cmd.exe')).toBe('xpra cmd');
  });

  it('names the scripts of the interpreted servers the Linux collector sees as python3 or node', () => {
    const scripts = new Map(catalog.tools.map((t) => [t.id, t.scripts]));
    expect(scripts.get('xpra')).toContain('xpra');
    expect(scripts.get('novnc')).toContain('websockify');
    expect(scripts.get('pagekite')).toContain('pagekite.py');
    expect(scripts.get('meshcentral')).toContain('meshcentral');
    expect(scripts.get('localtunnel')).toContain('lt.js');
  });

  it('has the tunnels and remote tools issue 11 found missing', () => {
    const ids = new Set(catalog.tools.map((t) => t.id));
    for (const id of [
      'localtunnel',
      'pagekite',
      'autossh',
      'nebula',
      'yggdrasil',
      'twingate',
      'chisel',
      'frp',
      'bore',
      'teleport',
      'rathole',
      'microsoft-remote-help',
      'velociraptor',
      'impero',
      'jumpcloud',
      'domotz',
      'beyondtrust',
      'gotoassist',
      'zoho-assist',
      'syncro',
      'radmin',
      'dameware',
      'hma-vpn',
      'dropbear',
      'xpra',
      'novnc',
      'meshcentral',
    ])
      expect(ids.has(id), id).toBe(true);
    const cloudflared = catalog.tools.find((t) => t.id === 'cloudflare-tunnel')!;
    expect(cloudflared.commandLines).toContain('tunnel run --token');
    expect(catalog.tools.find((t) => t.id === 'meshcentral')!.commandLines).toContain('--meshservicename');
    expect(catalog.tools.find((t) => t.id === 'dropbear')!.banners).toContain('ssh-2.0-dropbear');
  });
});

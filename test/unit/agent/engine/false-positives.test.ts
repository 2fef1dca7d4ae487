import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../agent/catalog/load.ts';
import { detect } from '../../../../agent/engine/detect.ts';
import type { Inventory } from '../../../../agent/model.ts';
import { inventory } from '../../../helpers/builders.ts';
import { linuxPackages, linuxProcesses, linuxServices, linuxSockets } from '../../../fixtures/everyday/linux.ts';
import { macPackages, macProcesses, macServices } from '../../../fixtures/everyday/macos.ts';
import { windowsPackages, windowsProcesses, windowsServices, windowsSockets } from '../../../fixtures/everyday/windows.ts';

// The looser matching of issue 11 (product-name prefixes, PE version info, normalised signers, service word
// runs, executable variants, command-line fragments, interpreted scripts) against the real catalog and the
// everyday software of a company laptop on each OS: no finding. The catalog's "signal" tools (outgoing
// clients such as mstsc, listed for the record at severity info) may be listed, each by its exact name only.

const catalog = loadCatalog();
const found = (inv: Inventory) =>
  detect(inv, catalog)
    .filter((f) => f.severity !== 'info')
    .map(
      (f) =>
        `${f.tool.id}: ${f.evidence
          .filter((e) => e.strength === 'strong')
          .map((e) => JSON.stringify(e))
          .join(' ')}`,
    );
const listed = (inv: Inventory) =>
  detect(inv, catalog)
    .filter((f) => f.severity === 'info')
    .map((f) => `${f.tool.id}: ${f.evidence.map((e) => (e.type === 'process' ? e.matchedBy : e.type)).join(',')}`);

describe('no finding on everyday software (real catalog)', () => {
  it('Windows: browsers, Office, meeting apps, VPN clients, Docker, IP scanner, RDP clients', () => {
    expect(windowsProcesses.length + windowsPackages.length + windowsServices.length).toBeGreaterThan(80);
    const inv = inventory('windows', {
      processes: windowsProcesses,
      packages: windowsPackages,
      services: windowsServices,
      sockets: windowsSockets,
    });
    expect(found(inv)).toEqual([]);
    expect(listed(inv)).toEqual(['goto-opener: package', 'mstsc: name', 'winscp: package']);
  });

  it('macOS: apps by bundle id and Team ID, their launchd helpers, the Windows App client', () => {
    const inv = inventory('darwin', { processes: macProcesses, packages: macPackages, services: macServices });
    expect(found(inv)).toEqual([]);
    expect(listed(inv)).toEqual([]);
  });

  it('Linux: python and node running everyday scripts, desktop apps, VPN clients, Remmina and xfreerdp', () => {
    const inv = inventory('linux', { processes: linuxProcesses, packages: linuxPackages, services: linuxServices, sockets: linuxSockets });
    expect(found(inv)).toEqual([]);
    expect(listed(inv)).toEqual([]);
  });

  it('an everyday name that merely starts like a guarded product is never matched by prefix', () => {
    const packages = [
      'Microsoft Remote Desktop Assistant',
      'Cisco Secure Client - Start Before Login',
      'Zoom Rooms',
      'Remote Desktop Connection Manager',
    ].map((name) => ({ name, source: 'uninstall' as const }));
    expect(found(inventory('windows', { packages }))).toEqual([]);
  });
});

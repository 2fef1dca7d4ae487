import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../agent/catalog/load.ts';
import { detect } from '../../../../agent/engine/detect.ts';
import { DraftStore } from '../../../../scripts/catalog/draft.ts';
import { importWinget, readWinget } from '../../../../scripts/catalog/winget.ts';
import { inventory } from '../../../helpers/builders.ts';

// shared/catalog/winget/manifests.yaml holds fields of real winget manifests (each entry names its files and
// commits in microsoft/winget-pkgs). An Uninstall entry as Windows shows that package (DisplayName and
// Publisher, as winget correlates them) must give the tool the entry is filed under, in the real catalog.

const FILE = resolve(import.meta.dirname, '../../../../shared/catalog/winget/manifests.yaml');
const catalog = loadCatalog();

describe('winget manifests in the catalog', () => {
  const entries = readWinget(FILE);

  it('reads every package with its manifest files as references', () => {
    expect(entries.map((e) => e.packageIdentifier)).toEqual([
      'AnyDesk.AnyDesk',
      'RustDesk.RustDesk',
      'TeamViewer.TeamViewer',
      'Cloudflare.cloudflared',
    ]);
    for (const e of entries) {
      expect(e.references.every((r) => /^https:\/\/github\.com\/microsoft\/winget-pkgs\/blob\/[0-9a-f]{40}\/manifests\//.test(r))).toBe(
        true,
      );
      const tool = catalog.tools.find((t) => t.id === e.tool)!;
      expect(tool.sources).toContain('winget');
      for (const r of e.references) expect(tool.references).toContain(r);
    }
    expect(catalog.sources.find((s) => s.id === 'winget')).toMatchObject({
      license: 'MIT',
      url: 'https://github.com/microsoft/winget-pkgs',
    });
  });

  it('an Uninstall entry built from each manifest, as installed and with a version suffix, is that tool', () => {
    for (const e of entries) {
      for (const u of e.uninstall) {
        for (const name of [u.displayName, `${u.displayName} ${'9.6.7'}`]) {
          const inv = inventory('windows', { packages: [{ name, publisher: u.publisher, source: 'uninstall', version: '1' }] });
          const ids = detect(inv, catalog).map((f) => f.tool.id);
          expect({ name, ids }).toEqual({ name, ids: [e.tool] });
        }
      }
    }
  });

  it('refuses an entry for a tool the catalog lacks, and one without its manifest files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratwatch-winget-'));
    const bad = join(dir, 'a.yaml');
    writeFileSync(
      bad,
      'packages:\n  - { tool: no-such-tool, PackageIdentifier: X.Y, PackageName: Xy Remote, manifests: [{ path: manifests/x/X/Y/1/X.Y.yaml, commit: ' +
        'a'.repeat(40) +
        ' }] }\n',
    );
    expect(() => importWinget(bad, new DraftStore())).toThrow('winget X.Y: no catalog tool "no-such-tool"');
    writeFileSync(bad, 'packages:\n  - { tool: anydesk, PackageIdentifier: X.Y, PackageName: Xy }\n');
    expect(() => readWinget(bad)).toThrow('winget packages[0] (X.Y): manifests are required');
  });
});

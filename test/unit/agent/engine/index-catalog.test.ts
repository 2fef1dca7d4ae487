import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pathPattern } from '../../../../agent/engine/index-catalog.ts';
import { loadCatalog } from '../../../../agent/catalog/load.ts';

// The literal pre-check of a path pattern must answer exactly what the plain anchored regex answers.

function plain(p: string): RegExp {
  const esc = p
    .toLowerCase()
    .replace(/\\/g, '/')
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*');
  return new RegExp(`^${esc}$`);
}

describe('path patterns', () => {
  it('agree with the plain regex for every catalog pattern on paths built from its own fragments', () => {
    const patterns = loadCatalog().tools.flatMap((t) => t.paths);
    expect(patterns.length).toBeGreaterThan(100);
    const pieces = [...new Set(patterns.flatMap((p) => p.toLowerCase().replace(/\\/g, '/').split('*')))].filter(Boolean);
    fc.assert(
      fc.property(
        fc.constantFrom(...patterns),
        fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 6 })), { maxLength: 5 }),
        (p, words) => {
          const s = words.join('');
          const filled = p
            .toLowerCase()
            .replace(/\\/g, '/')
            .replace(/\*/g, () => s);
          for (const x of [s, filled, filled + 'x', 'x' + filled]) expect(pathPattern(p).test(x)).toBe(plain(p).test(x));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('handles patterns with no wildcard, only wildcards, and regex characters', () => {
    for (const [p, yes, no] of [
      ['/usr/bin/x11vnc', '/usr/bin/x11vnc', '/usr/bin/x11vnc2'],
      ['*', 'anything', undefined],
      ['C:\\Program Files (x86)\\AnyDesk\\*.exe', 'c:/program files (x86)/anydesk/a.exe', 'c:/program files (x86)/anydesk/a.dll'],
      ['/opt/*/bin/*vnc*', '/opt/a/bin/tigervnc-server', '/opt/a/lib/vnc'],
    ] as const) {
      expect(pathPattern(p).test(yes)).toBe(true);
      if (no !== undefined) expect(pathPattern(p).test(no)).toBe(false);
    }
  });
});

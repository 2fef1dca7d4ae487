import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../../agent/catalog/load.ts';
import { cmdTokens, indexCatalog } from '../../../../agent/engine/index-catalog.ts';

// The engine's indexes must find exactly what trying every pattern would: same patterns, same order.

const ix = indexCatalog(loadCatalog());
const bruteForce = (folded: string) => ix.paths.filter((p) => p.re.test(folded));

/** Paths a pattern matches (its wildcards filled in) and near misses (a character dropped or changed). */
function examples(pattern: string): string[] {
  const p = pattern.toLowerCase().replace(/\\/g, '/');
  const fills = ['', 'x', 'a/b', 'program files (x86)', 'users/alex/appdata'];
  const out = fills.map((f) => p.replaceAll('*', f));
  for (const full of [...out]) {
    out.push(full.slice(1), full.slice(0, -1), `${full}x`, `x${full}`, full.replace(/[a-z]/, 'q'));
  }
  return out;
}

describe('path pattern index', () => {
  it('finds exactly the catalog patterns trying all of them finds, in catalog order', () => {
    const patterns = loadCatalog().tools.flatMap((t) => t.paths);
    let matched = 0;
    for (const pattern of patterns) {
      for (const path of examples(pattern)) {
        const want = bruteForce(path);
        matched += want.length;
        expect(ix.pathIndex.matches(path), `${pattern} on ${path}`).toEqual(want);
      }
    }
    expect(matched).toBeGreaterThan(patterns.length); // the examples did hit their patterns
  });

  it('agrees with trying every pattern on arbitrary paths', () => {
    const segment = fc.constantFrom(
      'usr',
      'bin',
      'opt',
      'anydesk',
      'program files',
      'remotepc',
      'c:',
      'screenconnect client (1a2b)',
      'ngrok',
      'x.exe',
      'meshagent',
      '',
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), (parts) => {
        const path = parts.join('/');
        expect(ix.pathIndex.matches(path)).toEqual(bruteForce(path));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('command-line tokens', () => {
  // the definition the engine had before its ASCII fast path
  const reference = (cmd: string) => {
    const out: { token: string; at: number }[] = [];
    for (const m of cmd.matchAll(/-*[\p{L}\p{N}_]+/gu)) {
      const at = m.index ?? 0;
      if (at > 0 && /[\p{L}\p{N}_]/u.test(cmd[at - 1]!)) continue;
      out.push({ token: m[0], at });
    }
    return out;
  };

  it('are the same tokens at the same offsets for ASCII and non-ASCII command lines', () => {
    for (const cmd of [
      '/x/.bin/lt --port 8080',
      'a-b --c_d -e',
      'cloudflared tunnel run --token abc',
      'prog --naïve ωmega -ü',
      '',
      '---',
      'x\u00a0--y',
      '日本語 --port',
    ]) {
      expect(cmdTokens(cmd), cmd).toEqual(reference(cmd));
    }
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'Z', '9', '_', '-', ' ', '/', '.', 'é', 'ß', '٣', '\u0301') }), (cmd) => {
        expect(cmdTokens(cmd)).toEqual(reference(cmd));
      }),
      { numRuns: 3000 },
    );
  });
});

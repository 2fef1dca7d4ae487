import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spoolFileName } from '../../../agent/spool/spool.ts';
import { clean, cleanOpt, compareCodeUnits } from '../../../agent/text.ts';

describe('clean', () => {
  it('escapes controls, line separators and the marks used to disguise names', () => {
    expect(clean('a\nb\tc\rd\x1b[31m\x7f\u0085\u202eexe.txt\u2028\ufeff\u200b')).toBe(
      'a\\nb\\tc\\rd\\x1b[31m\\x7f\\x85\\u202eexe.txt\\u2028\\ufeff\\u200b',
    );
  });

  it('leaves ordinary text, including non-Latin names, as it is', () => {
    expect(clean('TeamViewer 15 — 한국어 入力 (x64)')).toBe('TeamViewer 15 — 한국어 入力 (x64)');
  });

  it('bounds the result, marks a cut, and costs no more for a huge input', () => {
    expect(clean('abcdef', 4)).toBe('abc…');
    expect(clean('abcd', 4)).toBe('abcd');
    expect(clean('\n\n\n', 4)).toBe('\\n\\…');
    const huge = 'x'.repeat(50 * 1024 * 1024);
    const out = clean(huge, 512);
    expect(out).toHaveLength(512);
    expect(out.endsWith('x…')).toBe(true);
  });

  it('cleanOpt drops empty values and trims', () => {
    expect(cleanOpt(undefined)).toBeUndefined();
    expect(cleanOpt('  \t ')).toBeUndefined();
    expect(cleanOpt('  name\n ')).toBe('name');
  });
});

describe('compareCodeUnits', () => {
  // It replaced localeCompare in the engine's and the spool's sorts: for what they sort, the order must be the same
  const kebab = fc.array(fc.stringMatching(/^[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 4 }).map((xs) => xs.join('-'));
  const spoolName = fc
    .tuple(fc.integer({ min: 0, max: 1e9 }), fc.constantFrom('full', 'delta', 'heartbeat'), fc.uuid())
    .map(([sequence, kind, reportId]) => spoolFileName({ sequence, kind, reportId }));

  it.each([
    ['kebab-case tool ids', kebab],
    ['spool file names', spoolName],
  ])('orders %s as localeCompare does', (_what, arb) => {
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        expect(Math.sign(compareCodeUnits(a, b))).toBe(Math.sign(a.localeCompare(b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('is a total order that puts equal strings together', () => {
    expect(['b', 'a-b', 'ab', 'a', 'a1', 'b'].sort(compareCodeUnits)).toEqual(['a', 'a-b', 'a1', 'ab', 'b', 'b']);
    expect(compareCodeUnits('x', 'x')).toBe(0);
  });
});

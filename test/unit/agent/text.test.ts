import { describe, expect, it } from 'vitest';
import { clean, cleanOpt } from '../../../agent/text.ts';

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

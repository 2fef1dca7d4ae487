import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../../../agent/policy/glob.ts';

// Every short glob against every short path, compared with the plain regular expression the glob stands for
// (issue 17): the linear matcher must accept exactly what the regex accepts. Short inputs keep the regex's
// backtracking harmless and cover every token next to every other.

function oracle(glob: string): RegExp {
  const g = glob.replace(/\\/g, '/').toLowerCase();
  let re = '';
  for (let i = 0; i < g.length; i++) {
    if (g[i] === '*' && g[i + 1] === '*') {
      while (g[i + 1] === '*') i++;
      re += '.*';
    } else if (g[i] === '*') re += '[^/]*';
    else if (g[i] === '?') re += '[^/]';
    else re += g[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

function words(alphabet: string[], maxLen: number): string[] {
  const out = [''];
  let last = [''];
  for (let n = 1; n <= maxLen; n++) {
    last = last.flatMap((w) => alphabet.map((c) => w + c));
    out.push(...last);
  }
  return out;
}

describe('policy path globs against the regex they stand for', () => {
  it('agree on every glob of up to 4 tokens over a, /, *, ? and every path of up to 4 characters over a, b, /', () => {
    const globs = words(['a', '/', '*', '?'], 4);
    const paths = words(['a', 'b', '/'], 4);
    const wrong: string[] = [];
    for (const glob of globs) {
      const g = compileGlob(glob);
      const re = oracle(glob);
      for (const p of paths) if (g.test(p) !== re.test(p)) wrong.push(`${JSON.stringify(glob)} on ${JSON.stringify(p)}: ${g.test(p)}`);
      if (wrong.length >= 5) break;
    }
    expect(wrong).toEqual([]);
  });

  it('agree on longer globs that mix literal runs with stars', () => {
    const globs = ['a**b**a', 'a**b*a', '**a**', '*/**/a', 'a/**/**/b', 'ab*ba', '?*?', '**?**', 'a***b', '***/a', 'a****', '/**b/a**'];
    const paths = words(['a', 'b', '/'], 6);
    const wrong: string[] = [];
    for (const glob of globs) {
      const g = compileGlob(glob);
      const re = oracle(glob);
      for (const p of paths) if (g.test(p) !== re.test(p)) wrong.push(`${JSON.stringify(glob)} on ${JSON.stringify(p)}: ${g.test(p)}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('ignore case and slash direction in the glob and in the path', () => {
    expect(compileGlob('C:\\Users\\*\\AnyDesk\\**').test('c:/users/bob/anydesk/x/ad.exe')).toBe(true);
    expect(compileGlob('c:/users/*/anydesk/**').test('C:\\Users\\Bob\\AnyDesk\\x\\AD.exe')).toBe(true);
    expect(compileGlob('c:/users/*/anydesk/*').test('C:\\Users\\Bob\\AnyDesk\\x\\AD.exe')).toBe(false);
    expect(compileGlob('/Opt/ÄB').test('/opt/äb')).toBe(true);
  });
});

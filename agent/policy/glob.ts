// Policy path globs ("C:/Program Files/TeamViewer/**") matched in time linear in the path for a given
// glob: a set of glob positions is carried along the path, the way a Thompson NFA runs, so no pattern
// can backtrack. A regular expression built from "**/**/**/x" against a long path never finished.
// Matching ignores case and slash direction, like the rest of the policy.

type Token = { kind: 'any' } | { kind: 'star' } | { kind: 'one' } | { kind: 'char'; ch: string };

function tokenize(glob: string): Token[] {
  const g = glob.replace(/\\/g, '/').toLowerCase();
  const out: Token[] = [];
  for (let i = 0; i < g.length; i++) {
    // Stryker disable next-line ArithmeticOperator: "**" read as "*" then "**" matches the same paths
    if (g[i] === '*' && g[i + 1] === '*') {
      // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: "***" as "**" then "*" matches the same paths
      while (g[i + 1] === '*') i++; // "***" is "**"
      out.push({ kind: 'any' }); // never after another: the loop above took every star that follows
    } else if (g[i] === '*') out.push({ kind: 'star' });
    else if (g[i] === '?') out.push({ kind: 'one' });
    else out.push({ kind: 'char', ch: g[i] });
  }
  return out;
}

export interface GlobMatcher {
  test(path: string): boolean;
}

/** `**` crosses folders, `*` and `?` stay within one; everything else is literal. */
export function compileGlob(glob: string): GlobMatcher {
  const toks = tokenize(glob);
  const n = toks.length;
  // Positions reachable without consuming a character: a star may match nothing
  const close = (set: Uint8Array) => {
    for (let i = 0; i < n; i++) if (set[i] && (toks[i].kind === 'any' || toks[i].kind === 'star')) set[i + 1] = 1;
  };
  return {
    test(path: string): boolean {
      const p = path.replace(/\\/g, '/').toLowerCase();
      let cur = new Uint8Array(n + 1);
      cur[0] = 1;
      close(cur);
      for (const c of p) {
        const next = new Uint8Array(n + 1);
        // Stryker disable next-line BooleanLiteral: the early exit only saves time, a dead path ends unmatched anyway
        let alive = false;
        for (let i = 0; i < n; i++) {
          if (!cur[i]) continue;
          const t = toks[i];
          switch (t.kind) {
            case 'any':
              next[i] = 1;
              break;
            case 'star':
              if (c === '/') continue;
              next[i] = 1;
              break;
            case 'one':
              if (c === '/') continue;
              next[i + 1] = 1;
              break;
            case 'char':
              if (t.ch !== c) continue;
              next[i + 1] = 1;
              break;
          }
          alive = true;
        }
        if (!alive) return false;
        close(next);
        cur = next;
      }
      return cur[n] === 1;
    },
  };
}

import type { ScriptInfo } from '../../model.ts';
import { basename } from '../common/text.ts';

// Interpreted servers (Xpra, websockify, PageKite in Python; MeshCentral, localtunnel in Node) run as
// python3.x or node: /proc/<pid>/exe names the interpreter. What identifies them is the script the
// interpreter was given, found here from argv the way each interpreter reads its own command line.

interface Dialect {
  /** Options that consume the next argument. */
  withValue: ReadonlySet<string>;
  /** Options after which the program comes from the command line itself (-c, -e): there is no script. */
  inline: ReadonlySet<string>;
  /** Option naming a module to run instead of a file (python -m). */
  module?: string;
}

const PYTHON: Dialect = { withValue: new Set(['-W', '-X', '-Q']), inline: new Set(['-c']), module: '-m' };
const NODE: Dialect = {
  withValue: new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '--env-file', '--title', '-C', '--conditions']),
  inline: new Set(['-e', '--eval', '-p', '--print']),
};
const SHELL: Dialect = { withValue: new Set(['-o', '-O', '+o', '+O']), inline: new Set(['-c']) };
const PERL_RUBY: Dialect = { withValue: new Set(['-I', '-r', '-M']), inline: new Set(['-e', '-E']) };

/** The interpreter family of an executable basename (python3.11, node, bash...), if it is one. */
export function interpreterOf(exeBase: string): Dialect | undefined {
  const n = exeBase.toLowerCase();
  if (/^(python|pypy)[\d.]*m?$/.test(n)) return PYTHON;
  if (/^(node|nodejs)(\d+)?$/.test(n)) return NODE;
  if (/^(sh|bash|dash|zsh|ksh)$/.test(n)) return SHELL;
  if (/^(perl|ruby)[\d.]*$/.test(n)) return PERL_RUBY;
  return undefined;
}

const MAX_SCAN_ARGS = 64; // an interpreter's own options come first; the script is never far in

/**
 * The script an interpreter process runs: from argv (the first non-option argument, or python's -m
 * module), resolved against the process's working directory. `comm` (the kernel's name for the
 * process, the script's basename when it was started through its #! line) names it when argv does not.
 */
export function scriptOf(exe: string, argv: readonly string[], comm?: string, cwd?: string): ScriptInfo | undefined {
  const d = interpreterOf(basename(exe));
  if (!d || argv.length === 0) return undefined;
  for (let i = 1; i < Math.min(argv.length, MAX_SCAN_ARGS); i++) {
    const a = argv[i];
    if (a === '--') return fileScript(argv[i + 1], cwd);
    if (d.inline.has(a) || [...d.inline].some((o) => o.length === 2 && a.startsWith(o) && !a.startsWith('--'))) return undefined;
    if (d.module && a === d.module) return argv[i + 1] ? { name: argv[i + 1] } : undefined;
    if (d.module && a.startsWith(d.module) && a.length > 2) return { name: a.slice(2) };
    if (d.withValue.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-') || a.startsWith('+')) continue;
    return fileScript(a, cwd);
  }
  // no script in argv (title rewritten, or read from stdin): the kernel's name is the last hint
  const c = comm?.trim();
  if (c && !interpreterOf(c) && c !== basename(exe)) return { name: c };
  return undefined;
}

function fileScript(arg: string | undefined, cwd: string | undefined): ScriptInfo | undefined {
  if (!arg) return undefined;
  const path = arg.startsWith('/') || !cwd ? arg : `${cwd.replace(/\/+$/, '')}/${arg}`;
  const info: ScriptInfo = { path: normalizePath(path), name: basename(arg) };
  const pkg = packageOf(info.path!);
  if (pkg) info.package = pkg;
  return info;
}

/** Removes "." and ".." segments without touching the file system (the path may not exist any more). */
export function normalizePath(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (!seg || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return (abs ? '/' : '') + out.join('/');
}

/** The npm or Python package a script belongs to, read from where it lives. */
export function packageOf(path: string): string | undefined {
  const node = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?:.*\/)?[^/]+$/.exec(path);
  if (node) return node[1];
  const py = /\/(?:site|dist)-packages\/([^/]+)\/(?:.*\/)?[^/]+$/.exec(path);
  if (py) return py[1].replace(/\.py$/, '');
  return undefined;
}

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';

// The official Linux node binary carries its full symbol table (~18 MB of a 126 MB file), which nothing
// at run time reads: dynamic symbols (what native addons link against) live in .dynsym, which strip keeps.
// Only ELF targets are stripped; binutils' strip on an x64 host may not know another architecture's
// ELF, and then the stock binary is used as it is.

export const STRIP = '/usr/bin/strip';

/** A stripped copy of `node` next to it (made once), or the stock binary with the reason it was kept. */
export function strippedNode(node: string, os: string): { path: string; note?: string } {
  if (os !== 'linux') return { path: node };
  const out = `${node}.stripped`;
  if (existsSync(out)) return { path: out };
  if (!existsSync(STRIP)) return { path: node, note: `${STRIP} not found (Debian package binutils): node left unstripped` };
  const partial = `${out}.partial`;
  rmSync(partial, { force: true });
  copyFileSync(node, partial);
  try {
    execFileSync(STRIP, ['--strip-all', partial], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    rmSync(partial, { force: true });
    const why = String((e as { stderr?: Buffer }).stderr ?? e)
      .trim()
      .split('\n')[0];
    return { path: node, note: `strip failed (${why}): node left unstripped` };
  }
  renameSync(partial, out);
  return { path: out };
}

import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

// What goes into an executable: the agent, the shared catalog/schemas, the dependencies and the build itself.
const SOURCE_ROOTS = ['agent', 'shared', 'scripts/package', 'scripts/package.ts', 'package.json', 'package-lock.json', 'pkg.config.json'];
const MAX_FILES = 20_000;

/** Newest modification time (ms) among the files an executable is built from. */
export function newestSourceMtime(root: string): number {
  let newest = 0;
  let seen = 0;
  const stack = SOURCE_ROOTS.map((p) => path.join(root, p)).filter((p) => existsSync(p));
  while (stack.length > 0 && seen < MAX_FILES) {
    const p = stack.pop()!;
    const st = statSync(p);
    seen++;
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) stack.push(path.join(p, name));
    } else if (st.mtimeMs > newest) {
      newest = st.mtimeMs;
    }
  }
  return newest;
}

/** True when `exe` is missing or older than any of its sources. */
export function isStale(exe: string, root: string): boolean {
  if (!existsSync(exe)) return true;
  return statSync(exe).mtimeMs < newestSourceMtime(root);
}

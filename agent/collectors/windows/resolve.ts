import type { ServiceInfo } from '../../model.ts';
import { clean } from '../../text.ts';
import { splitCommandLine } from './cmdline.ts';
import { expandEnv, type EnvVars } from './environment.ts';
import { unwrapCommand } from './wrappers.ts';

// From the command text a Run value, service or task holds to the program that runs: variables
// expanded (environment.ts), a driver-style image path made absolute, wrappers peeled (wrappers.ts).
// The text as written is kept beside it (pathRaw/argsRaw) whenever the two differ.

/**
 * Service image paths may be written the way the kernel resolves them: \SystemRoot\System32\x.sys,
 * \??\C:\x\y.sys, or relative to the Windows folder (System32\drivers\x.sys).
 */
export function absoluteImagePath(path: string): string {
  if (/^\\SystemRoot\\/i.test(path)) return `%SystemRoot%${path.slice('\\SystemRoot'.length)}`;
  if (/^\\\?\?\\[a-z]:\\/i.test(path)) return path.slice(4);
  if (/^(system32|syswow64)\\/i.test(path)) return `%SystemRoot%\\${path}`;
  return path;
}

export interface ResolveOptions {
  vars?: EnvVars | undefined;
  imagePath?: boolean;
}

/** Sets path/args (and pathRaw/argsRaw) of `s` from a command line; false when there is no program. */
export function setCommand(s: ServiceInfo, text: string | undefined, opts: ResolveOptions = {}): boolean {
  const raw = splitCommandLine(text);
  if (!raw) return false;
  const expanded = opts.vars ? (splitCommandLine(expandEnv(text!, opts.vars)) ?? raw) : raw;
  if (opts.imagePath) {
    const abs = absoluteImagePath(expanded.path);
    if (abs !== expanded.path) expanded.path = opts.vars ? expandEnv(abs, opts.vars) : abs;
  }
  const { cmd } = unwrapCommand(expanded);
  const path = opts.vars ? expandEnv(cmd.path, opts.vars) : cmd.path;
  s.path = clean(path, 1024);
  if (cmd.args) s.args = clean(cmd.args, 4096);
  if (path !== raw.path || (cmd.args ?? '') !== (raw.args ?? '')) {
    s.pathRaw = clean(raw.path, 1024);
    if (raw.args) s.argsRaw = clean(raw.args, 4096);
  }
  return true;
}

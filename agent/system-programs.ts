import fs from 'node:fs';
import path from 'node:path';

// A root scan must not run whatever `ps` or `ss` comes first in PATH: a user who gets a directory of
// their own into root's PATH would decide what the scan sees. So programs are called by absolute path
// from a fixed list per OS, each resolved once and used only when root owns it, and the folders above
// it, and nobody else may write them. Children get a minimal environment: no tokens, no proxies, no
// LD_PRELOAD.

type Table = Record<string, readonly string[]>;

const UNIX_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const under = (dirs: readonly string[], name: string) => dirs.map((d) => `${d}/${name}`);

const LINUX: Table = Object.fromEntries(
  ['ps', 'ss', 'systemctl', 'dpkg-query', 'rpm', 'flatpak', 'gsettings', 'nmcli', 'iw', 'loginctl', 'stat', 'head', 'readlink', 'find'].map(
    (n) => [n, under(UNIX_DIRS, n)],
  ),
);
LINUX.snap = [...under(UNIX_DIRS, 'snap'), '/snap/bin/snap'];

const DARWIN: Table = Object.fromEntries(
  ['ps', 'lsof', 'launchctl', 'codesign', 'system_profiler', 'systemsetup', 'route', 'arp', 'networksetup', 'ipconfig', 'stat'].map((n) => [
    n,
    under(UNIX_DIRS, n),
  ]),
);

function windowsTable(): Table {
  // SystemRoot comes from the service's own environment (the SCM sets it), not from a user
  const sys = path.win32.join(process.env.SystemRoot ?? 'C:\\Windows', 'System32');
  return {
    'reg.exe': [path.win32.join(sys, 'reg.exe')],
    'schtasks.exe': [path.win32.join(sys, 'schtasks.exe')],
    'netsh.exe': [path.win32.join(sys, 'netsh.exe')],
    'powershell.exe': [path.win32.join(sys, 'WindowsPowerShell', 'v1.0', 'powershell.exe')],
  };
}

export function programTable(platform: NodeJS.Platform = process.platform): Table {
  if (platform === 'win32') return windowsTable();
  return platform === 'darwin' ? DARWIN : LINUX;
}

/** PATH for the agent itself and its children: system folders only (ps-list runs `ps` through PATH). */
export function safePath(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') {
    const root = process.env.SystemRoot ?? 'C:\\Windows';
    return [path.win32.join(root, 'System32'), root, path.win32.join(root, 'System32', 'WindowsPowerShell', 'v1.0')].join(';');
  }
  return UNIX_DIRS.filter((d) => rootOwnedProblem(d) === undefined).join(':');
}

/** Why root cannot trust this file or folder (and every folder above it), or undefined. */
export function rootOwnedProblem(p: string): string | undefined {
  if (process.platform === 'win32') return undefined;
  let real: string;
  try {
    real = fs.realpathSync(p);
  } catch (e) {
    return `cannot resolve (${(e as NodeJS.ErrnoException).code ?? 'EIO'})`;
  }
  for (let cur = real, i = 0; i < 64; i++) {
    const st = fs.statSync(cur);
    if (st.uid !== 0) return `${cur} is owned by uid ${st.uid}, not root`;
    if (st.mode & 0o022) return `${cur} is writable by others (mode ${(st.mode & 0o777).toString(8)})`;
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return undefined;
}

export type Resolved = { path: string } | { error: string; code: 'ENOENT' | 'EPERM' };
const cache = new Map<string, Resolved>();

/** The absolute path to run for a program name (or an absolute path), resolved and checked once. */
export function resolveProgram(cmd: string, platform: NodeJS.Platform = process.platform): Resolved {
  const hit = cache.get(cmd);
  if (hit) return hit;
  let res: Resolved;
  const absolute = platform === 'win32' ? path.win32.isAbsolute(cmd) : path.posix.isAbsolute(cmd);
  const candidates = absolute ? [cmd] : programTable(platform)[cmd];
  if (!candidates) {
    res = { error: `${cmd} is not in ratwatch's list of system programs`, code: 'EPERM' };
  } else {
    const found = candidates.find((c) => fs.existsSync(c));
    if (!found) res = { error: `${cmd} not found`, code: 'ENOENT' };
    else {
      const problem = rootOwnedProblem(found);
      res = problem ? { error: `${found} refused: ${problem}`, code: 'EPERM' } : { path: found };
    }
  }
  cache.set(cmd, res);
  return res;
}

/** Forgets resolutions (tests that plant programs). */
export function clearProgramCache(): void {
  cache.clear();
}

const WINDOWS_ENV = [
  'SystemRoot',
  'windir',
  'SystemDrive',
  'ProgramData',
  'ProgramFiles',
  'ProgramFiles(x86)',
  'ProgramW6432',
  'TEMP',
  'TMP',
  'COMSPEC',
  'PATHEXT',
  'NUMBER_OF_PROCESSORS',
  'PROCESSOR_ARCHITECTURE',
  'USERPROFILE',
  'COMPUTERNAME',
];

/** The environment a child program gets: enough to run in the C locale, nothing secret. */
export function childEnv(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { PATH: safePath(platform), LC_ALL: 'C', LANG: 'C' };
  if (platform === 'win32') {
    for (const k of WINDOWS_ENV) if (env[k] !== undefined) out[k] = env[k];
  } else if (env.HOME) {
    out.HOME = env.HOME; // gsettings reads the user's dconf database under it
  }
  return out;
}

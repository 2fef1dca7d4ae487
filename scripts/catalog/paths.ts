import { DENIED_EXECUTABLE_PREFIXES, DENIED_EXECUTABLES } from './deny.ts';
import { type Cleaned, type ExecOs, isRejection, stripQuotes } from './normalize.ts';

// Install-path fragments. The engine full-matches them (lowercase, "/" separators, "*" as the only
// wildcard) against process executables and package locations, so every pattern must be anchored by
// a leading "*" or an absolute path, and must name something more specific than "Program Files".

/** Path segments every system has; a pattern made only of these would match unrelated software. */
const GENERIC_SEGMENTS = new Set([
  'program files',
  'program files*',
  'program files (x86)',
  'programdata',
  'windows',
  'system32',
  'syswow64',
  'users',
  'appdata',
  'local',
  'roaming',
  'locallow',
  'temp',
  'tmp',
  'downloads',
  'desktop',
  'documents',
  'bin',
  'sbin',
  'lib',
  'lib64',
  'libexec',
  'usr',
  'opt',
  'etc',
  'var',
  'share',
  'applications',
  'library',
  'application support',
  'launchdaemons',
  'launchagents',
  'privilegedhelpertools',
  'contents',
  'macos',
  'resources',
  'systemd',
  'system',
  'init.d',
  'microsoft',
  'windowsapps',
  'package cache',
  '.unverified',
  'config',
  'systemprofile',
  'en-us',
  'logs',
  'data',
  'files',
  'x86',
  'x64',
  'db',
  'tools',
  'packages',
  'dependencies',
  'desktop',
  'updates',
  'installers',
  'conf',
  'etc',
  'perl',
  'google',
  'default',
]);

/** First segments of real absolute paths on Linux and macOS. */
const UNIX_ROOTS = new Set([
  'applications',
  'library',
  'system',
  'usr',
  'opt',
  'etc',
  'var',
  'users',
  'home',
  'private',
  'bin',
  'sbin',
  'tmp',
  'snap',
  'srv',
  'root',
  'lib',
  'lib64',
  'run',
]);

export interface PathPattern {
  pattern: string;
  /** The OS the path belongs to, when its form tells (drive letters and "\": Windows; /Applications: macOS). */
  os?: ExecOs | undefined;
}

function looksWindows(p: string): boolean {
  return /^[a-z]:[\\/]/i.test(p) || p.includes('\\') || /%[a-z_]+%/i.test(p);
}

/** True when at least one segment names a product rather than a system folder. */
function isSpecific(segments: string[]): boolean {
  return segments.some((seg) => {
    if (GENERIC_SEGMENTS.has(seg)) return false;
    const literal = seg.replace(/\*/g, '').replace(/\.(exe|msi|app|dll)$/, '');
    if (DENIED_EXECUTABLES.has(literal)) return false;
    return literal.replace(/[^\p{L}\p{N}]/gu, '').length >= 4;
  });
}

export function cleanPath(raw: string): Cleaned<PathPattern> {
  const text = stripQuotes(raw);
  if (!text) return { rejected: 'empty' };
  // Placeholders for a per-install value become a wildcard: "ScreenConnect Client (<id>)" -> "screenconnect client (*)".
  let p = text
    .replace(/<[^>]*>/g, '*')
    .replace(/\(random\)/gi, '(*)')
    .replace(/\\\\/g, '\\');
  if (/\busername\b/i.test(p)) p = p.replace(/\busername\b/gi, '*');
  if (/\.\*|\\d|[[\]{}?^$|+]/.test(p.replace(/\\/g, '/'))) return { rejected: 'regex-like' };
  const windows = looksWindows(p);
  p = p
    .replace(/%[a-z_()]+%/gi, '*')
    .replace(/\\/g, '/')
    .toLowerCase();
  if (p.includes('%')) return { rejected: 'malformed' };
  p = p.replace(/^[a-z]:\//, '*/').replace(/^~\//, '*/');
  // "\ProgramData\X" and "/Supremo.app/Contents/..." are relative to some root, not absolute paths.
  const first = p.split('/')[1] ?? '';
  if (p.startsWith('/') && (windows || !UNIX_ROOTS.has(first))) p = `*${p}`;
  if (!p.startsWith('/') && !p.startsWith('*')) p = `*/${p}`;
  p = p.replace(/^\*(?=[^/*])/, '*/'); // "*Users/..." -> "*/users/...".
  p = p.replace(/\/program files \(x86\)\//g, '/program files*/').replace(/\/program files\//g, '/program files*/');
  p = p.replace(/\/+/g, '/').replace(/\*+/g, '*').replace(/\/$/, '');
  const segments = p.split('/').map((s) => s.trim());
  if (segments.some((s) => s !== s.trimEnd())) return { rejected: 'malformed' };
  if (!isSpecific(segments)) return { rejected: 'too generic' };
  for (const seg of segments) {
    const stem = seg.replace(/\.(exe|msi|app)$/, '');
    const hit = DENIED_EXECUTABLE_PREFIXES.find((d) => stem.startsWith(d.prefix));
    if (hit) return { rejected: hit.why };
  }
  const last = segments[segments.length - 1];
  // A folder (no extension) is matched with everything under it; a file by itself.
  const isDir = last !== '*' && (!/\.[a-z0-9]{1,5}$/.test(last) || last.endsWith('.app'));
  const os: ExecOs | undefined = windows
    ? 'windows'
    : /^\/(applications|library|system\/library)\//.test(p) || p.includes('.app/') || p.endsWith('.app')
      ? 'darwin'
      : p.startsWith('/')
        ? 'linux'
        : undefined;
  if (isDir && windows) p = `${p}/*`;
  return { pattern: p, os };
}

/** .app bundles are also matched as the bundle folder itself (a package location names the folder). */
export function patternsFor(pp: PathPattern): string[] {
  if (pp.pattern.endsWith('.app')) return [pp.pattern, `${pp.pattern}/*`];
  return [pp.pattern];
}

export { isRejection };

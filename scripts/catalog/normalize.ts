import {
  DENIED_DOMAINS,
  DENIED_DOMAIN_PREFIXES,
  DENIED_DOMAIN_SUFFIXES,
  DENIED_EXECUTABLES,
  DENIED_EXECUTABLE_PREFIXES,
  DENIED_PACKAGES,
  DENIED_PORTS,
  DENIED_SERVICES,
  DENIED_SIGNERS,
  DENIED_TEAM_IDS,
} from './deny.ts';

// Turns the upstream lists' free-form values into the catalog's normalized ones. Every function returns
// either a clean value or a Rejection saying why the value was left out, so the importer can count the
// drops and a hand-curated entry that trips a rule fails loudly instead of vanishing.

export interface Rejection {
  rejected: string; // short reason, e.g. "generic name"
}

export type Cleaned<T> = T | Rejection;

export function isRejection<T>(v: Cleaned<T>): v is Rejection {
  return typeof v === 'object' && v !== null && 'rejected' in v;
}

const reject = (why: string): Rejection => ({ rejected: why });

/** Upstream placeholders that stand for "some value the operator picks", never a literal. */
const PLACEHOLDER = /<[^>]*>|\buser_managed\b|\(random\)|\brandom\b|\busername\b|\bversion\b/i;
/** Regex syntax or glob characters other than a lone "*". */
const REGEX_LIKE = /\.\*|\\d|\\\.|[[\]{}^$|+?]/;

export function stripQuotes(s: string): string {
  return s
    .trim()
    .replace(/^["']+|["']+$/g, '')
    .trim();
}

export function lowerTrim(s: string): string {
  return stripQuotes(s).replace(/\s+/g, ' ').toLowerCase();
}

/** Last non-empty segment of a Windows or POSIX path. */
export function baseName(p: string): string {
  const parts = p.split(/[\\/]+/).filter((x) => x !== '');
  return parts.length ? parts[parts.length - 1] : '';
}

export type ExecOs = 'windows' | 'darwin' | 'linux';

/** Extensions of files that are never a running program's name. */
const NON_EXEC_EXT = new Set([
  'dll',
  'sys',
  'lnk',
  'ps1',
  'cmd',
  'bat',
  'vbs',
  'js',
  'py',
  'sh',
  'zip',
  'gz',
  'tgz',
  'pkg',
  'dmg',
  'deb',
  'rpm',
  'mst',
  'mui',
  'tmp',
  'txt',
  'log',
  'conf',
  'cfg',
  'ini',
  'json',
  'xml',
  'plist',
  'service',
  'sock',
  'bashrc',
  'com',
  'ese',
  'exee',
  'executable',
  'resources',
  'kext',
  'prefpane',
  'bundle',
  'framework',
]);

export interface ExecName {
  os: ExecOs;
  name: string;
}

/**
 * One executable name from an upstream entry. `hint` is the OS the entry was listed under; entries without
 * one are placed by extension (.exe/.msi: Windows, .app: macOS) or, for bare names, on `unixFallback`.
 * Returns the names to store, or why there are none.
 */
export function cleanExecutable(raw: string, hint: ExecOs | undefined, unixFallback: ExecOs[] = []): Cleaned<ExecName[]> {
  const text = stripQuotes(raw);
  if (!text) return reject('empty');
  const base = baseName(text).toLowerCase().trim();
  if (!base) return reject('empty');
  if (PLACEHOLDER.test(base)) return reject('placeholder');
  if (base.includes('*') || REGEX_LIKE.test(base) || /[()]/.test(base)) return reject('wildcard or regex');
  if (/^[0-9a-f]{16,}$/.test(base)) return reject('hash, not a name');
  if (!/^[\p{L}\p{N} ._+@&-]+$/u.test(base)) return reject('not an executable name');

  const ext = /\.([a-z0-9]+)$/.exec(base)?.[1] ?? '';
  let os: ExecOs[];
  let name = base;
  if (ext === 'exe' || ext === 'msi') {
    os = ['windows'];
  } else if (ext === 'app') {
    os = ['darwin'];
    name = base.slice(0, -4);
  } else if (NON_EXEC_EXT.has(ext)) {
    return reject('file, not a program');
  } else if (hint === 'windows') {
    // Windows lists sometimes drop the extension; the process is still "<name>.exe".
    if (ext && ext !== 'bin') return reject('file, not a program');
    os = ['windows'];
    name = ext === 'bin' ? base : `${base}.exe`;
  } else if (hint) {
    os = [hint];
  } else {
    // Free text and dotted names ("tmate.sock", "requires sign up") hide among bare names without an OS.
    if (ext && ext !== 'bin') return reject('file, not a program');
    if (base.includes(' ')) return reject('not an executable name');
    if (!unixFallback.length) return reject('no operating system');
    if (/win(32|64|dows)/.test(base)) return reject('Windows name without an extension');
    os = unixFallback;
  }
  // Windows and macOS program names often contain spaces ("Remote Workforce Client.exe", "Splashtop SOS");
  // on Linux a space means free text, not a binary.
  if (base.includes(' ') && os.includes('linux')) return reject('not an executable name');

  const why = deniedExecutable(name);
  if (why) return reject(why);
  return os.map((o) => ({ os: o, name }));
}

/** The stem the deny list and the length rule look at: "AnyDesk.exe" -> "anydesk". */
export function execStem(name: string): string {
  return name.toLowerCase().replace(/\.(exe|msi|app|bin)$/, '');
}

export function deniedExecutable(name: string): string | undefined {
  const stem = execStem(name);
  if (stem.replace(/[^\p{L}\p{N}]/gu, '').length < 4) return 'name shorter than 4 characters';
  if (DENIED_EXECUTABLES.has(stem)) return 'generic name';
  for (const { prefix, why } of DENIED_EXECUTABLE_PREFIXES) if (stem.startsWith(prefix)) return why;
  return undefined;
}

/** PE VersionInfo OriginalFilename: kept as written (it may lack an extension), lowercase. */
export function cleanPeName(raw: string): Cleaned<string> {
  const v = lowerTrim(raw);
  if (!v) return reject('empty');
  if (PLACEHOLDER.test(v) || v.includes('*') || REGEX_LIKE.test(v)) return reject('wildcard or placeholder');
  if (/[\\/]/.test(v)) return reject('path, not a name');
  const why = deniedExecutable(v.replace(/\.dll$/, ''));
  return why ? reject(why) : v;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** A literal hostname or a "*." wildcard over one; URLs and ":port" suffixes are reduced to the host. */
export function cleanDomain(raw: string): Cleaned<string> {
  let v = lowerTrim(raw);
  if (!v) return reject('empty');
  if (PLACEHOLDER.test(v) || v.includes(' ')) return reject('placeholder');
  v = v.replace(/^[a-z][a-z0-9+.-]*:\/\//, ''); // scheme
  v = v.replace(/[/?#].*$/, ''); // path, query
  v = v.replace(/:\d+$/, ''); // port
  v = v.replace(/\.$/, '');
  if (REGEX_LIKE.test(v)) return reject('regex-like');
  if (IPV4.test(v) || v.includes(':')) return reject('address, not a domain');
  let body = v;
  if (v.startsWith('*.')) body = v.slice(2);
  if (body.includes('*')) return reject('wildcard inside a name');
  const labels = body.split('.');
  if (labels.length < 2) return reject('not a domain');
  if (!labels.every((l) => LABEL.test(l))) return reject('not a domain');
  if (!/^[a-z]{2,}$/.test(labels[labels.length - 1])) return reject('not a domain');
  if (DENIED_DOMAINS.has(v)) return reject('shared infrastructure');
  if (DENIED_DOMAIN_SUFFIXES.some((s) => v.endsWith(s))) return reject('download portal');
  if (DENIED_DOMAIN_PREFIXES.some((p) => body.startsWith(p))) return reject('website, not the tool');
  return v;
}

export function cleanPort(raw: unknown): Cleaned<number> {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) return reject('not a port');
  if (DENIED_PORTS.has(n)) return reject('port every program uses');
  return n;
}

/** Apple Team IDs appear as "(ABCDE12345)" at the end of a Developer ID authority. */
export function teamIdOf(raw: string): string | undefined {
  const m = /\(([A-Z0-9]{10})\)\s*$/.exec(stripQuotes(raw));
  return m && !DENIED_TEAM_IDS.has(m[1]) ? m[1] : undefined;
}

const REVERSE_DNS = /^[a-z][a-z0-9-]*(\.[a-z0-9_-]+){2,}$/;

export function looksLikeBundleId(raw: string): boolean {
  const v = lowerTrim(raw);
  const ext = /\.([a-z0-9]+)$/.exec(v)?.[1] ?? '';
  // "ConnectWiseControl.ClientSetup.sh" has dots too, but is a file.
  return REVERSE_DNS.test(v) && !NON_EXEC_EXT.has(ext) && !['exe', 'msi', 'app', 'bin'].includes(ext);
}

export function cleanSigner(raw: string): Cleaned<string> {
  const v = lowerTrim(raw)
    .replace(/[\\]+$/, '')
    .trim();
  if (!v) return reject('empty');
  if (PLACEHOLDER.test(v) || v.startsWith('#')) return reject('placeholder');
  if (v.length < 4) return reject('too short');
  if (DENIED_SIGNERS.has(v)) return reject('signer of many unrelated products');
  return v;
}

export function cleanBundleId(raw: string): Cleaned<string> {
  const v = lowerTrim(raw);
  if (!REVERSE_DNS.test(v)) return reject('not a bundle id');
  return v;
}

export function cleanPackage(raw: string): Cleaned<string> {
  const v = lowerTrim(raw);
  if (!v) return reject('empty');
  if (PLACEHOLDER.test(v) || v.includes('*') || REGEX_LIKE.test(v)) return reject('wildcard or placeholder');
  if (DENIED_PACKAGES.has(v)) return reject('library or default desktop package');
  if (v.replace(/[^\p{L}\p{N}]/gu, '').length < 4) return reject('name shorter than 4 characters');
  return v;
}

/** Service, launchd label or systemd unit (".service" dropped: collectors report units without it). */
export function cleanService(raw: string): Cleaned<string> {
  let v = lowerTrim(raw).replace(/\.service$/, '');
  if (!v) return reject('empty');
  if (PLACEHOLDER.test(v) || REGEX_LIKE.test(v)) return reject('placeholder');
  // A trailing "*" is a prefix match the engine supports; anywhere else it is not.
  const star = v.indexOf('*');
  if (star !== -1 && (star !== v.length - 1 || star < 6)) return reject('wildcard');
  if (v.replace(/[^\p{L}\p{N}]/gu, '').length < 4) return reject('name shorter than 4 characters');
  if (DENIED_SERVICES.has(v)) return reject('system or shared service');
  v = v.replace(/\.plist$/, '');
  return v;
}

export function cleanReference(raw: string): Cleaned<string> {
  let v = stripQuotes(raw);
  if (!v || /\s/.test(v)) return reject('not a URL');
  if (!/^https?:\/\//i.test(v)) {
    // RMML writes some references as bare host names ("level.io", "www.nomachine.com").
    if (!/^[a-z0-9.-]+\.[a-z]{2,}(\/\S*)?$/i.test(v)) return reject('not a URL');
    v = `https://${v}`;
  }
  return v;
}
